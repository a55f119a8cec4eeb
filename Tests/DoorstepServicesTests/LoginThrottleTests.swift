import DoorstepCore
import DoorstepSecurity
import Foundation
import Synchronization
import Testing

@testable import DoorstepServices

@Suite struct LoginThrottleTests {
    /// Five wrong passwords lock the account for a quarter of an hour, even against the right
    /// one; after that it works again, and a success clears the count.
    @Test func repeatedWrongPasswordsLockTheAccountForAWhile() async throws {
        let clock = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        let store = MemoryStore(journal: Journal())
        let courier = Courier(id: Identifier.random(), tenantID: "t", username: "sam", displayName: "Sam", createdAt: Date())
        store.credentials["sam"] = (courier, PasswordHasher(cost: 4).hash("correct horse battery"))
        let pool = BlockingWorkPool(threads: 1, maxQueued: 8)
        let accounts = AccountService(
            store: store, passwords: PasswordWork(hasher: PasswordHasher(cost: 4), pool: pool), sessionLifetime: 3600,
            effects: Effects(now: { clock.withLock { $0 } }, newID: { Identifier.random() }))

        for _ in 0..<5 {
            await #expect(throws: DoorstepError.unauthenticated) { try await accounts.login(username: "sam", password: "guess") }
        }
        await #expect(throws: DoorstepError.tooManyAttempts(retryAfter: 900)) {
            try await accounts.login(username: "Sam", password: "correct horse battery")
        }
        clock.withLock { $0 = $0.addingTimeInterval(901) }
        #expect(try await accounts.login(username: "sam", password: "correct horse battery").courierID == courier.id)
        // Unknown names lock the same way: a lockout tells nothing about which accounts exist.
        for _ in 0..<5 { _ = try? await accounts.login(username: "nobody", password: "guess") }
        await #expect(throws: DoorstepError.tooManyAttempts(retryAfter: 900)) { try await accounts.login(username: "nobody", password: "x") }
        try await pool.shutdown()
    }

    @Test func aFloodOfInventedNamesDoesNotGrowWithoutBound() {
        var policy = LoginThrottle.Policy()
        policy.capacity = 100
        let throttle = LoginThrottle(policy: policy)
        let now = Date()
        for index in 0..<1_000 { throttle.failed("user\(index)", now: now) }
        #expect(throttle.tracked <= 100)
    }
}
