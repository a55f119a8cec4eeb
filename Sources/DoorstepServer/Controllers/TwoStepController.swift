import DoorstepCore
import DoorstepServices
import Foundation
import Hummingbird

/// An operator's own two-step sign-in (`TwoStepSignIn`): whether it is on, a fresh secret for the
/// authenticator app, turning it on with a first code, and off with a current one. Console
/// sessions only: each person sets up their own phone.
struct TwoStepController {
    let authenticator: TenantAuthenticator
    let twoStep: TwoStepSignIn

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.add(middleware: authenticator)
        group.get("", use: state)
        group.get("new", use: enrollment)
        group.put("", use: turnOn)
        group.post("off", use: turnOff)
    }

    @Sendable func state(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (_, account) = try context.requireOperator()
        return try JSONResponse.make(TwoStepState(on: try await twoStep.isOn(for: account)))
    }

    /// A secret made now and kept nowhere until a code proves the app has it: never cached.
    @Sendable func enrollment(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, account) = try context.requireOperator()
        let new = try twoStep.enrollment(for: account, tenant: tenant)
        return try JSONResponse.make(TwoStepEnrollment(secret: new.token, manualKey: new.manualKey, url: new.url))
    }

    @Sendable func turnOn(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (_, account) = try context.requireOperator()
        let body = try await request.decodeJSON(as: TurnOnRequest.self, context: context, limit: 4096)
        try await twoStep.turnOn(for: account, token: body.secret, code: body.code)
        return try JSONResponse.make(TwoStepState(on: true))
    }

    @Sendable func turnOff(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (_, account) = try context.requireOperator()
        let body = try await request.decodeJSON(as: CodeRequest.self, context: context, limit: 4096)
        try await twoStep.turnOff(for: account, code: body.code)
        return try JSONResponse.make(TwoStepState(on: false))
    }
}

struct TwoStepState: Encodable {
    var on: Bool
}

struct TwoStepEnrollment: Encodable {
    var secret: String
    var manualKey: String
    var url: String

    enum CodingKeys: String, CodingKey { case secret, manualKey = "manual_key", url = "otpauth_url" }
}

struct TurnOnRequest: Decodable {
    var secret: String
    var code: String
}

struct CodeRequest: Decodable {
    var code: String
}
