/// A channel's setting that cannot work (a password in a URL, an unknown parameter, a file that
/// cannot be read): said at start-up, in words an administrator can act on.
public struct NotifyConfigurationError: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}
