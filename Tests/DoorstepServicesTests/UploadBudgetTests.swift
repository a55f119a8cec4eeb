import DoorstepCore
import Testing

@testable import DoorstepServices

@Suite struct UploadBudgetTests {
    let photo = 8_000_000

    @Test func anUploadThatDoesNotFitWaitsForRoomAndGetsItInTurn() async throws {
        let budget = UploadBudget(totalBytes: 2 * photo, maxWaiters: 4, maxWait: .seconds(30))
        let first = try await budget.admit(bytes: photo, holder: "courier"), second = try await budget.admit(bytes: photo, holder: "courier")
        let third = Task { try await budget.admit(bytes: photo, holder: "courier") }
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
        let held = try await budget.admit(bytes: photo, holder: "courier")
        let waiting = Task { try await budget.admit(bytes: photo, holder: "courier") }
        try await Task.sleep(for: .milliseconds(50))
        // One is already waiting: the next is refused at once, not queued.
        let started = ContinuousClock.now
        await #expect(throws: DoorstepError.overloaded) { _ = try await budget.admit(bytes: 1, holder: "courier") }
        #expect(ContinuousClock.now - started < .milliseconds(100))
        // The waiting one is refused at its deadline, and leaves nothing held behind.
        await #expect(throws: DoorstepError.overloaded) { _ = try await waiting.value }
        #expect(budget.bytesInUse == photo)
        held.release()
        #expect(budget.bytesInUse == 0)
    }

    @Test func aClientThatGoesAwayWhileWaitingLeavesTheQueue() async throws {
        let budget = UploadBudget(totalBytes: photo, maxWaiters: 1, maxWait: .seconds(30))
        let held = try await budget.admit(bytes: photo, holder: "courier")
        let waiting = Task { try await budget.admit(bytes: photo, holder: "courier") }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiting.value }
        // Its place in the queue is free again, and the room it never got is not counted.
        let next = Task { try await budget.admit(bytes: photo, holder: "courier") }
        held.release()
        (try await next.value).release()
        #expect(budget.bytesInUse == 0)
    }

    @Test func anUploadLargerThanTheWholeBudgetPassesAlone() async throws {
        let budget = UploadBudget(totalBytes: photo, maxWaiters: 1, maxWait: .seconds(30))
        let large = try await budget.admit(bytes: 3 * photo, holder: "courier")
        #expect(large.bytes == photo && budget.bytesInUse == photo)
        large.release()
    }

    @Test func aDroppedPermitGivesItsRoomBack() async throws {
        let budget = UploadBudget(totalBytes: photo, maxWaiters: 1, maxWait: .seconds(30))
        do { _ = try await budget.admit(bytes: photo, holder: "courier") }
        #expect(budget.bytesInUse == 0)
    }

    @Test func oneCourierCannotTakeTheWholeBudget() async throws {
        let budget = UploadBudget(totalBytes: 10 * photo, maxWaiters: 4, maxWait: .seconds(30), maxPerHolder: 2)
        let first = try await budget.admit(bytes: photo, holder: "stolen-token"), second = try await budget.admit(bytes: photo, holder: "stolen-token")
        await #expect(throws: DoorstepError.overloaded) { _ = try await budget.admit(bytes: photo, holder: "stolen-token") }
        (try await budget.admit(bytes: photo, holder: "another-courier")).release()
        first.release()
        (try await budget.admit(bytes: photo, holder: "stolen-token")).release()
        second.release()
        #expect(budget.bytesInUse == 0)
    }

    @Test func aLargeUploadGivingUpLetsASmallOneBehindItIn() async throws {
        let budget = UploadBudget(totalBytes: 3 * photo, maxWaiters: 4, maxWait: .milliseconds(300))
        let held = try await budget.admit(bytes: 2 * photo, holder: "a")
        let large = Task { try await budget.admit(bytes: 2 * photo, holder: "b") }
        try await Task.sleep(for: .milliseconds(50))
        // Fits now, but queues behind the large one (arrival order)...
        let small = Task { try await budget.admit(bytes: photo, holder: "c") }
        await #expect(throws: DoorstepError.overloaded) { _ = try await large.value }
        // ...and is let in when the large one leaves, not left until its own deadline.
        let started = ContinuousClock.now
        let admitted = try await small.value
        #expect(ContinuousClock.now - started < .milliseconds(200))
        admitted.release()
        held.release()
        #expect(budget.bytesInUse == 0)
    }
}
