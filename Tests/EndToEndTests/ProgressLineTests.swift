import Testing

@testable import PlacePlanKit
@testable import placeplan

/// The progress bar: percentage, time taken and left, never wider than the terminal.
@Suite struct ProgressLineTests {
    @Test func aBarWithPercentageElapsedAndTimeLeft() {
        let line = ProgressLine.line(RunProgress("baseline: 1,000 draws, year 3 of 10", done: 3, total: 10), elapsed: 6, width: 100)
        #expect(line.contains(" 30%  6s, about 14s left"), "\(line)")
        #expect(line.contains("[#########.....................]"), "\(line)")
        let narrow = ProgressLine.line(RunProgress("baseline: 20,000 draws, year 3 of 15", done: 3, total: 15), elapsed: 6, width: 40)
        #expect(narrow.contains("20%  6s, about 24s left") && narrow.count <= 39, "\(narrow)")
        let done = ProgressLine.line(RunProgress("x", done: 10, total: 10), elapsed: 75, width: 100)
        #expect(done.hasSuffix("100%  1m15s"), "\(done)")
    }

    @Test(arguments: [20, 40, 80, 200])
    func neverWiderThanTheTerminal(width: Int) {
        for done in [0, 1, 5, 9, 10] {
            let line = ProgressLine.line(RunProgress("a long label that names the scenario and its draws", done: done, total: 10), elapsed: 123, width: width)
            #expect(line.count <= width - 1, "\(line.count) columns at width \(width)")
        }
    }
}
