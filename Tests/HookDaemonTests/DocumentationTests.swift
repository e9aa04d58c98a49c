import Foundation
import Testing

/// Documentation that must say what the build does (issue 11: docs in step with the code).
struct DocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private func read(_ name: String) throws -> String {
        let path = Self.root.appendingPathComponent(name).path
        try #require(FileManager.default.fileExists(atPath: path), "\(path) is missing")
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    @Test func theReadmeListsExactlyTheMakefilesDebianPackages() throws {
        let makefile = try read("Makefile")
        let start = try #require(makefile.range(of: "DEBIAN_PACKAGES := "))
        var declaration = ""
        for line in makefile[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            declaration += line.replacingOccurrences(of: "\\", with: " ") + " "
            if !line.hasSuffix("\\") { break }
        }
        let packages = Set(declaration.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init))
        #expect(packages.count > 10, "read \(packages.sorted())")

        let readme = try read("README.md")
        let list = try #require(readme.range(of: "Debian packages used").map { readme[$0.upperBound...] })
        let end = try #require(list.range(of: "scripts/install-deps.sh"))
        let named = Set(list[..<end.lowerBound].split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) })
            .subtracting(["DEBIAN_PACKAGES"])
        #expect(named == packages, "README names \(named.sorted()); the Makefile installs \(packages.sorted())")
    }
}
