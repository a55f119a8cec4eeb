/// A password made for a person to be told once (a new courier's, a reset one): 20 characters
/// from an alphabet without look-alikes (no 0/O, 1/l/I), about 114 bits.
public enum GeneratedPassword {
    public static func make() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
