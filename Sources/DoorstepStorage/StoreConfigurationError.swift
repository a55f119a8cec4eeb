/// A database that cannot be used as configured (bad URL, schema out of step), in words for
/// the administrator who configured it.
public struct StoreConfigurationError: Error, CustomStringConvertible {
    public var description: String
}
