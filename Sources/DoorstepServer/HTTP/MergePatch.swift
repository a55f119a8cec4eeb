import DoorstepCore
import Foundation
import Hummingbird

/// A JSON document as data, for applying a JSON merge patch (RFC 7396) to a resource's JSON
/// before decoding the result as that resource: the patch is applied to the very JSON the API
/// shows, so PATCH can change exactly what GET returns and nothing else.
enum JSONValue: Codable, Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// RFC 7396 §2: members of an object patch replace the target's, `null` removes one, and
    /// anything that is not an object replaces the target whole.
    func merging(_ patch: JSONValue) -> JSONValue {
        guard case .object(let changes) = patch else { return patch }
        guard case .object(var members) = self else { return JSONValue.object([:]).merging(patch) }
        for (name, change) in changes {
            if change == .null {
                members[name] = nil
            } else {
                members[name] = (members[name] ?? .null).merging(change)
            }
        }
        return .object(members)
    }
}

extension JSONValue {
    /// The names of the members that differ between a resource before and after a change, as
    /// the API shows it: what the activity log says changed (names only: values may be a
    /// tenant's own text). Nothing when nothing changed.
    static func changedMembers(_ before: some Encodable, _ after: some Encodable, context: AppRequestContext) throws -> String? {
        let old = try context.requestDecoder.decode(JSONValue.self, from: JSONResponse.encoder.encode(before))
        let new = try context.requestDecoder.decode(JSONValue.self, from: JSONResponse.encoder.encode(after))
        guard case .object(let was) = old, case .object(let now) = new else { return nil }
        let names = Set(was.keys).union(now.keys).filter { was[$0] != now[$0] }.sorted()
        return names.isEmpty ? nil : names.joined(separator: ", ")
    }
}

extension Request {
    /// `current` changed by the JSON merge patch (RFC 7396) in the body, applied to the very JSON
    /// the API shows for it, so PATCH changes exactly what GET returns and nothing else. A member
    /// `isMember` does not accept is refused: a misspelt one would otherwise change nothing and
    /// answer 200, and the client must hear it.
    func mergePatch<Resource: Codable>(
        _ current: Resource, context: AppRequestContext, limit: Int = 64 * 1024, unknown reason: String = "is not a setting",
        isMember: (String) -> Bool
    ) async throws -> Resource {
        let patch = try await decodeJSON(as: JSONValue.self, context: context, limit: limit)
        guard case .object(let members) = patch else { throw DoorstepError.invalidInput(field: "body", reason: "must be a JSON object") }
        if let unknown = members.keys.sorted().first(where: { !isMember($0) }) {
            throw DoorstepError.invalidInput(field: unknown, reason: reason)
        }
        let shown = try context.requestDecoder.decode(JSONValue.self, from: JSONResponse.encoder.encode(current))
        return try context.requestDecoder.decode(Resource.self, from: JSONResponse.encoder.encode(shown.merging(patch)))
    }
}
