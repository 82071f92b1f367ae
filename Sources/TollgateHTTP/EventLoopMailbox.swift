import NIOCore
import Synchronization

/// Hands results from the engine's writer thread to one event loop, one wake-up per burst.
///
/// The writer completes a whole group commit in a tight loop; posting each result with `eventLoop.execute` woke
/// the loop (a lock and an `eventfd` write) once per debit. Here a post only schedules the loop when its mailbox
/// was empty, and the loop then runs everything posted until it drains: with 64 debits per batch over two loops,
/// about one wake-up per loop per batch.
final class EventLoopMailbox: Sendable {
    /// Jobs posted and not yet run; bounded by the debits in flight (the engine's queue bound).
    private let jobs = Mutex<[@Sendable () -> Void]>([])
    let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// From any thread: runs `job` on the event loop, after the jobs posted before it.
    func post(_ job: @escaping @Sendable () -> Void) {
        let wasEmpty = jobs.withLock { jobs in
            jobs.append(job)
            return jobs.count == 1
        }
        if wasEmpty { eventLoop.execute { self.drain() } }
    }

    private func drain() {
        let batch = jobs.withLock { jobs in
            var taken: [@Sendable () -> Void] = []
            swap(&taken, &jobs)
            return taken
        }
        for job in batch { job() }
    }

    /// One mailbox per event loop, made on first use (there are as many loops as cores). Owned by the fast path
    /// of one application, so the loops of a server that is gone are not kept alive by a process-wide table.
    final class Registry: Sendable {
        private let mailboxes = Mutex<[ObjectIdentifier: EventLoopMailbox]>([:])

        func mailbox(for eventLoop: any EventLoop) -> EventLoopMailbox {
            let key = ObjectIdentifier(eventLoop)
            return mailboxes.withLock { mailboxes in
                if let mailbox = mailboxes[key] { return mailbox }
                let mailbox = EventLoopMailbox(eventLoop: eventLoop)
                mailboxes[key] = mailbox
                return mailbox
            }
        }
    }
}
