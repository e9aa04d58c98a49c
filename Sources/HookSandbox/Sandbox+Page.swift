import HookCore
import HookStore
import Hummingbird

/// The inbox page and capture detail pages.
extension Sandbox {
    func addPageRoutes(to router: Router<SandboxRequestContext>) {
        router.get("/") { request, _ in
            let filter = request.uri.queryParameters["endpoint"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            let endpoints = try self.endpointSummaries()
            let captures = try self.store.captures(endpoint: filter, limit: InboxPage.rowLimit)
            let page = InboxPage.render(
                endpoints: endpoints, captures: captures, statistics: try self.store.statistics(), endpointFilter: filter)
            return SandboxResponses.html(page)
        }
        router.get("/captures/:id") { _, context in
            guard let id = context.parameters.get("id", as: Int64.self), let capture = try self.store.capture(id: id) else {
                return SandboxResponses.html(PageLayout.head(title: "not found") + "<p>No such capture. <a href=\"/\">Inbox</a></p>" + PageLayout.tail, status: .notFound)
            }
            return SandboxResponses.html(CapturePage.render(capture, masker: Masker()))
        }
    }
}
