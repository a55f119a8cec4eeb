/// A host as TLS sees it: certificates are checked against a name, and SNI carries one; an
/// address literal (IPv4, or IPv6 with its colons) is neither, so the TLS clients pass no name
/// for it (the certificate is then checked against the connected address).
public enum HostName {
    public static func isAddress(_ host: String) -> Bool {
        host.contains(":") || host.split(separator: ".").allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }

    /// The name TLS presents (SNI) and checks the certificate against; nil for an address.
    public static func tlsServerName(_ host: String) -> String? { isAddress(host) ? nil : host }
}
