import Testing
@testable import PlacePlanKit

struct ComparisonTests {
    /// Two columns read as "from > to"; with more, columns that agree are named once.
    @Test func statusChangesNameEachRunOfColumnsOnce() {
        #expect(Comparison.statusChange([.belowMargin, .deficit]) == "below margin > DEFICIT")
        #expect(Comparison.statusChange([.belowMargin, .belowMargin, .deficit]) == "[1-2] below margin > [3] DEFICIT")
        #expect(Comparison.statusChange([.deficit, .withinMargin, .deficit]) == "[1] DEFICIT > [2] within margin > [3] DEFICIT")
        #expect(Comparison.statusChange([.highSurplus, nil, nil, nil]) == "[1] high surplus > [2-4] -")
    }
}
