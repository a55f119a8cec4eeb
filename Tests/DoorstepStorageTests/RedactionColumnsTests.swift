import DoorstepCore
import Testing

@testable import DoorstepStorage

/// A photo's redaction is two nullable columns: what each NULL means must survive the round trip,
/// above all that a photo stored before people were looked for was not searched for people.
@Suite struct RedactionColumnsTests {
    @Test func eachColumnsNullReadsAsWhatWasNotSearched() {
        let facesOnly = Redaction(storedFaces: 0, people: nil)
        #expect(facesOnly.searched && !facesOnly.peopleSearched)
        #expect(facesOnly.storedFaces == 0 && facesOnly.storedPeople == nil, "written back as it was read")
        let both = Redaction(storedFaces: 1, people: 2)
        #expect(both == Redaction(faces: 1, people: 2) && both.storedPeople == 2)
        let off = Redaction(storedFaces: nil, people: nil)
        #expect(off == .notSearched && off.storedFaces == nil && off.storedPeople == nil)
    }
}
