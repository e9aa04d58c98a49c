import CCurl

/// The transfer thread's body: owns the curl multi handle and every easy handle of one `HTTPClient`.
///
/// Thread confinement: an instance is created on the client's dedicated thread, runs there until
/// the client stops and is never shared (it is not Sendable). All curl calls except
/// `curl_multi_wakeup` (made by `CurlMultiMailbox`) happen here, so curl needs no locking.
/// Blocking happens only in `curl_multi_poll`, never on Swift's cooperative pool.
final class CurlMultiLoop {
    private let mailbox: CurlMultiMailbox
    private let configuration: HTTPClient.Configuration
    /// Running transfers by easy handle; dropping an entry frees its handle (after removal from `multi`).
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    /// Longest single wait in `curl_multi_poll`; curl returns sooner for its own timers and for wakeups.
    private static let pollMilliseconds: Int32 = 1000

    init(mailbox: CurlMultiMailbox, configuration: HTTPClient.Configuration) {
        self.mailbox = mailbox
        self.configuration = configuration
    }

    /// Runs transfers until the mailbox says stop, then fails what is left and frees every handle.
    func run() {
        guard CurlGlobal.initialize() == CURLE_OK, let multi = curl_multi_init() else {
            let (reason, unstarted) = mailbox.unpublish(reason: HTTPError(curlCode: -1, message: "curl initialisation failed"))
            for ticket in unstarted { ticket.finish(.failure(reason)) }
            mailbox.markClosed()
            return
        }
        _ = hookd_curl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max(1, configuration.maxConcurrentTransfers))
        mailbox.publish(multi)
        while true {
            let work = mailbox.takeWork()
            if work.shouldStop { break }
            for ticket in work.cancelled { abandon(ticket, in: multi) }
            for ticket in work.incoming where !ticket.isFinished { start(ticket, in: multi) }
            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            collectFinished(in: multi)
            _ = curl_multi_poll(multi, nil, 0, Self.pollMilliseconds, nil)
        }
        let (reason, unstarted) = mailbox.unpublish(reason: .shutDown)
        for ticket in unstarted { ticket.finish(.failure(reason)) }
        for (handle, transfer) in active {
            curl_multi_remove_handle(multi, handle)
            transfer.ticket.finish(.failure(reason))
        }
        active.removeAll()
        curl_multi_cleanup(multi)
        mailbox.markClosed()
    }

    private func start(_ ticket: HTTPTransferTicket, in multi: UnsafeMutableRawPointer) {
        switch CurlTransfer.make(for: ticket, configuration: configuration) {
        case .failure(let error):
            ticket.finish(.failure(error))
        case .success(let transfer):
            let code = curl_multi_add_handle(multi, transfer.handle)
            guard code == CURLM_OK else {
                let text = String(cString: curl_multi_strerror(code))
                ticket.finish(.failure(HTTPError(curlCode: -1, message: "curl_multi_add_handle: \(text)")))
                return
            }
            active[transfer.handle] = transfer
        }
    }

    /// Removes a cancelled ticket's transfer, if it is still running; its handle is freed here.
    private func abandon(_ ticket: HTTPTransferTicket, in multi: UnsafeMutableRawPointer) {
        guard let handle = active.first(where: { $0.value.ticket === ticket })?.key else { return }
        curl_multi_remove_handle(multi, handle)
        active[handle] = nil
    }

    /// Finishes the tickets of every transfer curl reports done and frees their handles.
    private func collectFinished(in multi: UnsafeMutableRawPointer) {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            // Read everything first: the message is invalid once its handle is removed.
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
            let code = message.pointee.data.result
            curl_multi_remove_handle(multi, handle)
            guard let transfer = active.removeValue(forKey: handle) else { continue }
            transfer.ticket.finish(transfer.result(code))
        }
    }
}
