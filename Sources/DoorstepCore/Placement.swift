/// Where the courier left the parcel, as the courier picked it.
public enum Placement: String, Codable, Sendable, CaseIterable {
    case frontDoor = "front_door"
    case porch
    case behindPlant = "behind_plant"
    case mailbox
    case garage
    case reception
    case handedToResident = "handed_to_resident"
    /// Only where the recipient chose a neighbour (`DropChoice`).
    case withNeighbour = "with_neighbour"
    case other
}
