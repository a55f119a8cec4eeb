import DoorstepCore
import Foundation
import Testing

@testable import DoorstepStorage

/// The operators half of the store contract: accounts by unique username, sessions that end at
/// their expiry or when idle, and with the account.
@Suite struct OperatorStoreContractTests {
    @Test(arguments: StoreEngine.allCases)
    func accountsAndSessionsLiveAndEndTogether(_ engine: StoreEngine) async throws {
        try await engine.withSeed { seed in
            let tenant = try await seed.tenant()
            let other = try await seed.tenant("Other")
            let name = "olga-\(UUID().uuidString.prefix(8))".lowercased()
            let account = OperatorAccount(id: Seed.id(), tenantID: tenant.id, username: name, displayName: "Olga", role: .support, createdAt: seed.clock)
            try await seed.store.createOperator(account, passwordHash: "$2b$10$hash")
            let taken = OperatorAccount(id: Seed.id(), tenantID: other.id, username: name, displayName: "Copy", role: .admin, createdAt: seed.clock)
            await #expect(throws: DoorstepError.conflict(reason: "that username is taken")) {
                try await seed.store.createOperator(taken, passwordHash: "x")
            }
            #expect(try await seed.store.operatorCredentials(username: name)?.account == account)
            #expect(try await seed.store.operators(tenantID: tenant.id).map(\.account) == [account])
            #expect(try await seed.store.operators(tenantID: other.id).isEmpty)

            let clock = seed.clock
            try await seed.store.addOperatorSession(
                digest: "s1", operatorID: account.id, expiresAt: clock.addingTimeInterval(3600), idleUntil: clock.addingTimeInterval(600))
            let found = try #require(try await seed.store.operatorSession(digest: "s1", now: clock))
            #expect(found.account == account && found.tenant.id == tenant.id)
            // Idle past its idle time: gone, unless touched; never past its expiry.
            #expect(try await seed.store.operatorSession(digest: "s1", now: clock.addingTimeInterval(600)) == nil)
            try await seed.store.touchOperatorSession(digest: "s1", idleUntil: clock.addingTimeInterval(1200))
            #expect(try await seed.store.operatorSession(digest: "s1", now: clock.addingTimeInterval(900)) != nil)
            try await seed.store.touchOperatorSession(digest: "s1", idleUntil: clock.addingTimeInterval(300))  // never shortened
            #expect(try await seed.store.operatorSession(digest: "s1", now: clock.addingTimeInterval(900)) != nil)
            try await seed.store.touchOperatorSession(digest: "s1", idleUntil: clock.addingTimeInterval(4000))  // never past its expiry
            #expect(try await seed.store.operatorSession(digest: "s1", now: clock.addingTimeInterval(1200)) == nil)

            // Purged once idle; another tenant cannot disable the account; disabling ends its sessions.
            let purged = try await seed.store.purgeExpiredRecords(PurgeCutoffs(
                sessionsExpiredBy: clock.addingTimeInterval(1300), ticketsIssuedBefore: clock, idempotencyKeysBefore: clock))
            #expect(purged.sessions == 1)
            try await seed.store.addOperatorSession(
                digest: "s2", operatorID: account.id, expiresAt: clock.addingTimeInterval(3600), idleUntil: clock.addingTimeInterval(600))
            #expect(try await seed.store.setOperatorDisabled(id: account.id, tenantID: other.id, at: clock) == false)
            #expect(try await seed.store.operatorSession(digest: "s2", now: clock) != nil)
            #expect(try await seed.store.setOperatorDisabled(id: account.id, tenantID: tenant.id, at: clock))
            #expect(try await seed.store.operatorSession(digest: "s2", now: clock) == nil)
            #expect(try await seed.store.operatorCredentials(username: name) == nil)
            #expect(try await seed.store.operators(tenantID: tenant.id).first?.disabledAt == clock)
        }
    }
}
