import DoorstepCore
import Foundation
import SQLKit

extension SQLMetadataStore {
    public func createDeliveries(_ deliveries: [Delivery], claim: DeliveryRequestClaim?) async throws -> CreateDeliveriesResult {
        struct Taken: Error { var index: Int }
        do {
            return try await source.withTransaction { db in
                if let claim {
                    let claimed = try await db.insertIfAbsent("""
                        INSERT INTO delivery_requests (tenant_id, idempotency_key, fingerprint, delivery_ids, created_at)
                        VALUES (\(bind: claim.tenantID), \(bind: claim.key), \(bind: claim.fingerprint),
                                \(bind: claim.deliveryIDs.joined(separator: " ")), \(bind: claim.createdAt.epochMilliseconds))
                        ON CONFLICT DO NOTHING RETURNING 1 AS inserted
                        """)
                    if !claimed {
                        // Taken by an earlier request; gone again only if purged in this very moment,
                        // and then the client's retry will do.
                        guard let earlier = try await db.raw("""
                            SELECT tenant_id, idempotency_key, fingerprint, delivery_ids, created_at FROM delivery_requests
                            WHERE tenant_id = \(bind: claim.tenantID) AND idempotency_key = \(bind: claim.key)
                            """).first(decoding: DeliveryRequestRow.self, with: snakeCase)
                        else { throw DoorstepError.conflict(reason: "this Idempotency-Key is being reused right now; retry") }
                        return .earlier(earlier.claim)
                    }
                }
                for (index, delivery) in deliveries.enumerated() {
                    guard try await db.insertIfAbsent(Self.insert(delivery)) else { throw Taken(index: index) }
                }
                return .created
            }
        } catch let taken as Taken {
            return .orderReferenceTaken(index: taken.index)
        }
    }

    public func usedOrderReferences(tenantID: String, among references: [String]) async throws -> Set<String> {
        guard !references.isEmpty else { return [] }
        return try await source.withConnection { db in
            Set(try await db.raw("""
                SELECT order_reference FROM deliveries WHERE tenant_id = \(bind: tenantID) AND order_reference IN (\(binds: references))
                """).all().map { try $0.decode(column: "order_reference", as: String.self) })
        }
    }

    private static func insert(_ delivery: Delivery) -> SQLQueryString {
        """
        INSERT INTO deliveries (id, tenant_id, order_reference, recipient_name, recipient_email,
            recipient_language, recipient_phone, address, latitude, longitude, country, instructions, courier_id, state, created_at,
            route_position, handover_code)
        VALUES (\(bind: delivery.id), \(bind: delivery.tenantID), \(bind: delivery.orderReference),
            \(bind: delivery.recipient.name), \(bind: delivery.recipient.email),
            \(bind: delivery.recipient.language.rawValue), \(bind: delivery.recipient.phone), \(bind: delivery.address),
            \(bind: delivery.location.latitude), \(bind: delivery.location.longitude), \(bind: delivery.country),
            \(bind: delivery.instructions), \(bind: delivery.courierID), \(bind: delivery.state.rawValue),
            \(bind: delivery.createdAt.epochMilliseconds), \(bind: delivery.routePosition), \(bind: delivery.handoverCode))
        ON CONFLICT DO NOTHING RETURNING 1 AS inserted
        """
    }

    public func delivery(id: String, tenantID: String) async throws -> Delivery? {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: DeliveryRow.columns) FROM deliveries WHERE id = \(bind: id) AND tenant_id = \(bind: tenantID)
                """).first(decoding: DeliveryRow.self, with: snakeCase)?.delivery()
        }
    }

    public func delivery(id: String) async throws -> Delivery? {
        try await source.withConnection { db in
            try await db.raw("SELECT \(unsafeRaw: DeliveryRow.columns) FROM deliveries WHERE id = \(bind: id)")
                .first(decoding: DeliveryRow.self, with: snakeCase)?.delivery()
        }
    }

    public func deliveries(tenantID: String, filter: DeliveryFilter, limit: Int, after: DeliveryCursor?) async throws -> [Delivery] {
        var conditions: [SQLQueryString] = ["tenant_id = \(bind: tenantID)"]
        if let after {
            let at = after.createdAt.epochMilliseconds
            conditions.append("(created_at < \(bind: at) OR (created_at = \(bind: at) AND id < \(bind: after.id)))")
        }
        if let state = filter.state { conditions.append("state = \(bind: state.rawValue)") }
        if let since = filter.createdAfter { conditions.append("created_at > \(bind: since.epochMilliseconds)") }
        if let before = filter.createdBefore { conditions.append("created_at < \(bind: before.epochMilliseconds)") }
        if let reference = filter.orderReference { conditions.append("order_reference = \(bind: reference)") }
        if let courierID = filter.courierID { conditions.append("courier_id = \(bind: courierID)") }
        if let email = filter.recipientEmail { conditions.append("recipient_email = \(bind: email)") }
        let query: SQLQueryString = "SELECT \(unsafeRaw: DeliveryRow.columns) FROM deliveries WHERE "
            + conditions.joined(separator: " AND ") + " ORDER BY created_at DESC, id DESC LIMIT \(bind: limit)"
        return try await source.withConnection { db in
            try await db.raw(query).all(decoding: DeliveryRow.self, with: snakeCase).map { try $0.delivery() }
        }
    }

    public func deliveries(courierID: String, deliveredSince: Date) async throws -> [Delivery] {
        try await source.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: DeliveryRow.columns) FROM deliveries WHERE courier_id = \(bind: courierID)
                  AND (state <> \(bind: DeliveryState.delivered.rawValue) OR delivered_at >= \(bind: deliveredSince.epochMilliseconds))
                ORDER BY CASE WHEN route_position IS NULL THEN 1 ELSE 0 END, route_position, created_at, id
                """).all(decoding: DeliveryRow.self, with: snakeCase).map { try $0.delivery() }
        }
    }
}

struct DeliveryRow: Decodable {
    static let columns = columnList([
        "id", "tenant_id", "order_reference", "recipient_name", "recipient_email", "recipient_language", "recipient_phone", "address",
        "latitude", "longitude", "country", "instructions", "courier_id", "state", "placement", "note", "delivered_at", "created_at",
        "route_position", "out_for_delivery_at", "drop_kind", "drop_details", "drop_chosen_at",
        "handover_code", "handed_over_at",
    ], of: nil)

    var id: String
    var tenantId: String
    var orderReference: String
    var recipientName: String
    var recipientEmail: String
    var recipientLanguage: String
    var recipientPhone: String?
    var address: String
    var latitude: Double
    var longitude: Double
    var country: String?
    var instructions: String
    var courierId: String?
    var state: String
    var placement: String?
    var note: String?
    var deliveredAt: Int64?
    var createdAt: Int64
    var routePosition: Int?
    var outForDeliveryAt: Int64?
    var dropKind: String?
    var dropDetails: String?
    var dropChosenAt: Int64?
    var handoverCode: String?
    var handedOverAt: Int64?

    func delivery() throws -> Delivery {
        Delivery(
            id: id, tenantID: tenantId, orderReference: orderReference,
            recipient: Recipient(
                name: recipientName, email: recipientEmail, language: Language(rawValue: recipientLanguage) ?? .en, phone: recipientPhone),
            address: address, location: try Coordinate(latitude: latitude, longitude: longitude), country: country,
            instructions: instructions, courierID: courierId, state: DeliveryState(rawValue: state) ?? .created,
            placement: placement.flatMap(Placement.init(rawValue:)), note: note,
            deliveredAt: deliveredAt.map(Date.init(epochMilliseconds:)), createdAt: Date(epochMilliseconds: createdAt),
            routePosition: routePosition, outForDeliveryAt: outForDeliveryAt.map(Date.init(epochMilliseconds:)),
            dropChoice: dropKind.flatMap(DropChoice.Kind.init(rawValue:)).map {
                DropChoice(kind: $0, details: dropDetails ?? "", chosenAt: Date(epochMilliseconds: dropChosenAt ?? 0))
            },
            handoverCode: handoverCode, handedOverAt: handedOverAt.map(Date.init(epochMilliseconds:))
        )
    }
}

extension SQLMetadataStore {
    public func markOutForDelivery(deliveryID: String, at: Date, events: [OutboxEvent]) async throws -> Bool {
        try await source.withTransaction { db in
            let changed = try await db.raw("""
                UPDATE deliveries SET state = \(bind: DeliveryState.outForDelivery.rawValue), out_for_delivery_at = \(bind: at.epochMilliseconds)
                WHERE id = \(bind: deliveryID) AND state = \(bind: DeliveryState.created.rawValue) RETURNING id
                """).first() != nil
            if changed { try await Self.enqueue(events, on: db) }
            return changed
        }
    }

    public func setDropChoice(deliveryID: String, _ choice: DropChoice?) async throws -> Delivery? {
        try await source.withWrite { db in
            // Conditional on the state in the same statement: a choice that arrives after the
            // courier has delivered changes nothing, and says so.
            try await db.raw("""
                UPDATE deliveries SET drop_kind = \(bind: choice?.kind.rawValue), drop_details = \(bind: choice?.details),
                    drop_chosen_at = \(bind: choice?.chosenAt.epochMilliseconds)
                WHERE id = \(bind: deliveryID) AND state <> \(bind: DeliveryState.delivered.rawValue) AND erased_at IS NULL
                RETURNING \(unsafeRaw: DeliveryRow.columns)
                """).first(decoding: DeliveryRow.self, with: snakeCase)?.delivery()
        }
    }

    public func handOver(
        deliveryID: String, code: String, note: String?, maxFailures: Int, at: Date, events: [OutboxEvent]
    ) async throws -> HandoverResult {
        try await source.withTransaction { db in
            // One statement judges the code and counts the try, on the row as it stands once its
            // lock is held: concurrent guesses (PostgreSQL's READ COMMITTED re-checks the WHERE
            // after waiting) each see the count the one before left, so no more than `maxFailures`
            // wrong codes are ever judged, and at most one right one hands the parcel over.
            let open = "state <> '\(DeliveryState.delivered.rawValue)' AND erased_at IS NULL AND handover_code IS NOT NULL"
            let right: SQLQueryString = "handover_code = \(bind: code)"
            if let row = try await db.raw("""
                UPDATE deliveries SET
                    handover_failures = handover_failures + CASE WHEN \(right) THEN 0 ELSE 1 END,
                    state = CASE WHEN \(right) THEN \(bind: DeliveryState.delivered.rawValue) ELSE state END,
                    placement = CASE WHEN \(right) THEN \(bind: Placement.handedToResident.rawValue) ELSE placement END,
                    note = CASE WHEN \(right) THEN \(bind: note) ELSE note END,
                    delivered_at = CASE WHEN \(right) THEN \(bind: at.epochMilliseconds) ELSE delivered_at END,
                    handed_over_at = CASE WHEN \(right) THEN \(bind: at.epochMilliseconds) ELSE handed_over_at END,
                    first_delivered_at = CASE WHEN \(right) THEN COALESCE(first_delivered_at, \(bind: at.epochMilliseconds)) ELSE first_delivered_at END
                WHERE id = \(bind: deliveryID) AND handover_failures < \(bind: maxFailures) AND \(unsafeRaw: open)
                RETURNING \(unsafeRaw: DeliveryRow.columns), handover_failures
                """).first() {
                let delivery = try row.decode(model: DeliveryRow.self, with: snakeCase).delivery()
                guard delivery.handedOverAt != nil else {
                    return .wrongCode(triesLeft: maxFailures - (try row.decode(column: "handover_failures", as: Int.self)))
                }
                try await Self.enqueue(events, on: db)
                return .handedOver(delivery)
            }
            let state = try await db.raw("SELECT state FROM deliveries WHERE id = \(bind: deliveryID)").first()?.decode(column: "state", as: String.self)
            return state == DeliveryState.delivered.rawValue ? .alreadyDelivered : .locked
        }
    }

    public func markDeliveredWithoutPhoto(
        deliveryID: String, placement: Placement, note: String?, withheld: PhotoPolicy.Reason?, at: Date, events: [OutboxEvent]
    ) async throws -> Bool {
        try await source.withTransaction { db in
            // With a neighbour only while the recipient's choice says so, checked in the statement
            // itself: they may withdraw it while the courier's request is on its way.
            let changed = try await db.raw("""
                UPDATE deliveries SET state = \(bind: DeliveryState.delivered.rawValue), placement = \(bind: placement.rawValue),
                    note = \(bind: note), delivered_at = \(bind: at.epochMilliseconds),
                    first_delivered_at = COALESCE(first_delivered_at, \(bind: at.epochMilliseconds)), photo_withheld = \(bind: withheld?.rawValue)
                WHERE id = \(bind: deliveryID) AND state <> \(bind: DeliveryState.delivered.rawValue)
                \(unsafeRaw: placement == .withNeighbour ? "AND drop_kind = '\(DropChoice.Kind.neighbour.rawValue)'" : "")
                RETURNING id
                """).first() != nil
            if changed { try await Self.enqueue(events, on: db) }
            return changed
        }
    }
}

struct DeliveryRequestRow: Decodable {
    var tenantId: String
    var idempotencyKey: String
    var fingerprint: String
    var deliveryIds: String
    var createdAt: Int64

    var claim: DeliveryRequestClaim {
        DeliveryRequestClaim(
            tenantID: tenantId, key: idempotencyKey, fingerprint: fingerprint,
            deliveryIDs: deliveryIds.split(separator: " ").map(String.init), createdAt: Date(epochMilliseconds: createdAt))
    }
}
