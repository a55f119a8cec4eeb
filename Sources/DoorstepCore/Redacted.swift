/// For values that hold secrets (key bytes, tokens) or lead to them: printing one, interpolating
/// it into a log line, `dump`-ing it or printing something that contains it shows its type name
/// only. Libraries describe what they are handed (swift-service-lifecycle logs each service it
/// runs at debug level), so a secret's holder must not rely on nobody printing it.
public protocol Redacted: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {}

extension Redacted {
    public var description: String { "\(Self.self)(redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
