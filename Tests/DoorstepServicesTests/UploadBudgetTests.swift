import DoorstepCore
import Testing

@testable import DoorstepServices

@Suite struct UploadBudgetTests {
    let photo = 8_000_000

    @Test func anUploadThatDoesNotFitWaitsForRoomAndGetsItInTurn() async throws {
        let budget = UploadBudget(totalBytes: 2 * photo, maxWaiters: 4, maxWait: .seconds(30))
        let first = try await budget.admit(bytes: photo), second = try await budget.admit(bytes: photo)
        let third = Task { try await budget.admit(bytes: photo) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(budget.bytesInUse == 2 * photo, "the third is still waiting, its body unread")
        first.release()
        let admitted = try await third.value
        #expect(budget.bytesInUse == 2 * photo)
        first.release()  // twice is once
        #expect(budget.bytesInUse == 2 * photo)
        second.release()
        admitted.release()
        #expect(budget.bytesInUse == 0)
    }

    @Test func noRoomInTimeOrTooManyWaitingIsA503() async throws {
        let budget = UploadBudget(totalBytes: photo, maxWaiters: 1, maxWait: .milliseconds(200))
        let held = try await budget.admit(bytes: photo)
        let waiting = Task { try await budget.admit(bytes: photo) }
        try await Task.sleep(for: .milliseconds(50))
        // One is already waiting: the next is refused at once, not queued.
        let started = ContinuousClock.now
        await #expect(throws: DoorstepError.overloaded) { _ = try await budget.admit(bytes: 1) }
        #expect(ContinuousClock.now - started < .milliseconds(100))
        // The waiting one is refused at its deadline, and leaves nothing held behind.
        await #expect(throws: DoorstepError.overloaded) { _ = try await waiting.value }
        #expect(budget.bytesInUse == photo)
        held.release()
        #expect(budget.bytesInUse == 0)
    }

    @Test func aClientThatGoesAwayWhileWaitingLeavesTheQueue() async throws {
        let budget = UploadBudget(totalBytes: photo, maxWaiters: 1, maxWait: .seconds(30))
        let held = try await budget.admit(bytes: photo)
        let waiting = Task { try await budget.admit(bytes: photo) }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiting.value }
        // Its place in the queue is free again, and the room it never got is not counted.
        let next = Task { try await budget.admit(bytes: photo) }
        held.release()
        (try await next.value).release()
        #expect(budget.bytesInUse == 0)
    }

    @Test func anUploadLargerThanTheWholeBudgetPassesAlone() async throws {
        let budget = UploadBudget(totalBytes: photo, maxWaiters: 1, maxWait: .seconds(30))
        let large = try await budget.admit(bytes: 3 * photo)
        #expect(large.bytes == photo && budget.bytesInUse == photo)
        large.release()
    }

    @Test func aDroppedPermitGivesItsRoomBack() async throws {
        let budget = UploadBudget(totalBytes: photo, maxWaiters: 1, maxWait: .seconds(30))
        do { _ = try await budget.admit(bytes: photo) }
        #expect(budget.bytesInUse == 0)
    }
}
