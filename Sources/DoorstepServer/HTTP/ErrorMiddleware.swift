import DoorstepServices
import DoorstepCore
import Foundation
import Hummingbird
import Logging
import NIOCore

/// Turns every error into what its audience can read: RFC 9457 problem+json under /api, a
/// readable page elsewhere. Internal errors are logged with their cause and answered with a
/// generic 500 that leaks nothing.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let pages: PageRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Self.problem(for: error, logger: context.logger)
            if request.uri.path.hasPrefix("/api/") || request.uri.path == "/healthz" || request.uri.path == "/readyz" {
                return try problem.response()
            }
            return page(for: problem, request: request)
        }
    }

    static func problem(for error: any Error, logger: Logger) -> Problem {
        switch error {
        case let error as DoorstepError:
            return Problem(error)
        case let error as DecodingError:
            return Problem(.invalidInput(field: error.fieldPath, reason: error.reason))
        case let error as NIOTooManyBytesError:
            // A JSON or form body past its limit: the client's mistake (413), not ours.
            return Problem(.payloadTooLarge(limit: error.maxBytes ?? 0))
        case let error as HTTPError where error.status.code < 500:
            return Problem(slug: error.status.code == 404 ? "not-found" : "http-\(error.status.code)",
                           title: error.status.reasonPhrase, status: error.status,
                           detail: error.body ?? error.status.reasonPhrase)
        default:
            logger.critical("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return Problem(slug: "internal", title: "Internal error", status: .internalServerError,
                           detail: "Something went wrong on our side. It has been logged; try again later.")
        }
    }

    private func page(for problem: Problem, request: Request) -> Response {
        let strings = Strings.forLanguage(Language(bestMatch: request.headers[.acceptLanguage]))
        let (title, body): (String, String) = switch problem.type {
        case "/problems/link-invalid": (strings.linkInvalidTitle, strings.linkInvalidBody)
        case "/problems/link-expired": (strings.linkExpiredTitle, strings.linkExpiredBody)
        case "/problems/not-found": (strings.notFoundTitle, strings.notFoundBody)
        case "/problems/internal": (strings.errorTitle, strings.errorBody)
        case "/problems/rate-limited": (strings.rateLimitedTitle, strings.rateLimitedBody)
        default: (problem.title, problem.detail)
        }
        var response = pages.message(title: title, body: body, strings: strings, status: problem.httpStatus)
        if let retryAfter = problem.retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }
}

extension DecodingError {
    /// The JSON path of the offending field, e.g. `recipient.email`.
    var fieldPath: String {
        let path: [any CodingKey] = switch self {
        case .keyNotFound(let key, let context): context.codingPath + [key]
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): context.codingPath
        @unknown default: []
        }
        // `deliveries[3].latitude`: an index sticks to its array's name, a key follows a dot.
        let text = path.enumerated().map { offset, key in
            key.intValue.map { "[\($0)]" } ?? (offset == 0 ? key.stringValue : "." + key.stringValue)
        }.joined()
        return text.isEmpty ? "body" : text
    }

    var reason: String {
        switch self {
        case .keyNotFound: "is required"
        case .typeMismatch: "has the wrong type"
        case .valueNotFound: "must not be null"
        case .dataCorrupted(let context) where context.codingPath.isEmpty: "is not valid JSON"
        case .dataCorrupted: "has a value that is not allowed"
        @unknown default: "is not valid"
        }
    }
}
