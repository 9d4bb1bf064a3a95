import Foundation
import Testing
@testable import PlacePlanKit

@Suite struct OutputTests {
    @Test func formatsNumbers() {
        #expect(Format.count(31460) == "31,460")
        #expect(Format.count(-1234.4) == "-1,234")
        #expect(Format.signed(5) == "+5")
        // Values no whole number holds print as "n/a" rather than trap.
        #expect(Format.count(1e300) == "n/a" && Format.count(.nan) == "n/a" && Format.signed(-.infinity) == "n/a")
        #expect(Format.signed(.nan) == "n/a")
        #expect(Format.whole(31460.4) == "31460" && Format.whole(-0.3) == "0" && Format.whole(.infinity) == "n/a")
        #expect(Format.percent(0.0523) == "5.2%")
        #expect(Format.percent(nil) == "n/a")
        // A deficit of a pupil or two keeps its sign; a balance or a tiny surplus does not gain one.
        #expect(Format.percent(-0.0004) == "-0.0%")
        #expect(Format.percent(0.0004) == "0.0%")
        #expect(Format.percent(0) == "0.0%")
        #expect(["11.3%", "8.0%", "83.1%", "18.0%", "1.5%", "21.0%", "110.0%", "11,200", "800"].map(Format.withArticle)
            == ["an 11.3%", "an 8.0%", "an 83.1%", "an 18.0%", "a 1.5%", "a 21.0%", "a 110.0%", "an 11,200", "an 800"])
        #expect(["expansion", "all-through", "arp", "options file", "bulge", "8-year", "10-year", "unit", "CSV file"].map(Format.withArticle)
            == ["an expansion", "an all-through", "an arp", "an options file", "a bulge", "an 8-year", "a 10-year", "a unit", "a CSV file"])
        #expect(Format.decimal(-0.04) == "0.0")
        #expect(Format.decimal(1.25, signed: true) == "+1.3")
    }

    @Test func tablesAlignAndColourOnlyWhenAsked() {
        let t = TextTable(title: "T", headers: ["Area", "Pupils"], rows: [["A", TextTable.Cell("1,000", .bad)], ["Bee", "5"]])
        let plain = t.render(colour: false)
        #expect(plain == "T\nArea  Pupils\n----  ------\nA      1,000\nBee        5\n")
        #expect(!plain.contains("\u{1B}"))
        #expect(t.render(colour: true).contains("\u{1B}[1;31m"))
        #expect(t.markdown().contains("| Area | Pupils |\n|---|---:|"))
        // Names from the inputs stay text: no cell split, no HTML tag.
        var named = t
        named.rows[0][0].text = "A | <b>B & C</b>"
        #expect(named.markdown().contains("| A \\| &lt;b>B & C&lt;/b> |"))
        // A titled table with no rows is its title alone; an untitled one keeps its header.
        #expect(TextTable(title: "Actions: none needed", headers: ["Area", "Action"]).render(colour: false) == "Actions: none needed\n")
        #expect(TextTable(headers: ["Area"]).render(colour: false) == "Area\n----\n")
    }

    /// A long cell the terminal wraps stays one cell in Markdown: before, the wrapped lines
    /// were rows of their own, and a Markdown reader saw rows with an empty first column.
    @Test func wrappedCellsStayOneRowInMarkdown() {
        var t = TextTable(headers: ["Origin", "Chosen"], rightAligned: [false, false], rows: [["2019/20", "intake mean1; into Y1 smooth-0.6, Y2 blend-0.5-0.6, Y3 blend-0.25-0.6"], ["2020/21", "short"]])
        t.wrapWidths = [1: 30]
        let terminal = t.render(colour: false).split(separator: "\n")
        #expect(terminal.count == 2 + 3 + 1, "header, rule, three lines of the long cell and one of the short")
        #expect(terminal.allSatisfy { $0.count <= 7 + 2 + 30 })
        #expect(terminal[3].hasPrefix("       "), "a continuation line leaves the origin blank")
        let markdown = t.markdown().split(separator: "\n")
        #expect(markdown.count == 2 + 2)
        #expect(markdown[2] == "| 2019/20 | intake mean1; into Y1 smooth-0.6, Y2 blend-0.5-0.6, Y3 blend-0.25-0.6 |")
        // A line break inside a cell (from an input's names) cannot end the table either.
        t.rows[1][1] = "two\nlines"
        #expect(t.markdown().split(separator: "\n").count == 4)
    }

    @Test func shortYearLabels() {
        #expect(HTMLReport.short(AcademicYear(2020)) == "20/21")
        #expect(HTMLReport.short(AcademicYear(2024)) == "24/25")
        #expect(HTMLReport.short(AcademicYear(2099)) == "99/00")
        #expect(HTMLReport.short(AcademicYear(2105)) == "05/06")
    }

    /// A chart with history: the bands start at the origin, which is marked where it is.
    @Test func chartBandsStartAtTheOrigin() {
        let series = [SVGChart.Series(name: "pupils", values: [10, 11, 12, 13, 14], colour: "#000")]
        let band = SVGChart.Band(name: "80%", lower: [12, 12, 13], upper: [12, 14, 15], colour: "#00f", opacity: 0.2, start: 2)
        let svg = SVGChart.lines(title: "t", xLabels: ["a", "b", "c", "d", "e"], yLabel: "p", series: series, bands: [band], origin: 2)
        let points = svg.firstMatch(of: /<polygon points="([^"]*)"/)!.1.split(separator: " ").map { Double($0.split(separator: ",")[0])! }
        let origin = Double(svg.firstMatch(of: /<line x1="([\d.]+)" x2="[\d.]+" y1="[\d.]+" y2="[\d.]+" class="origin"/)!.1)!
        #expect(points.min() == origin, "the band begins at the census, not at the chart's left edge")
        #expect(origin > 62 + 1, "and the census is not the first year shown")
    }

    /// The axis ticks are whole numbers apart, so that no two read the same: a chart of an
    /// area with two pupils had ticks 0, 0.5, ... 2 printed 0, 1, 1, 2, 2; and a step of 2.5
    /// printed 0, 3, 5, 8.
    @Test(arguments: [(0.0, 2.1), (0, 3), (0, 12), (0, 1_100), (0, 27_000)]) func axisTicksAreWholeAndDistinct(low: Double, high: Double) {
        let ticks = SVGChart.ticks(low, high)
        #expect(ticks.count >= 2 && ticks.allSatisfy { $0 == $0.rounded() }, "\(ticks)")
        #expect(Set(ticks.map { Format.count($0) }).count == ticks.count, "\(ticks)")
        // From the axis's foot to within half a step of its top (the chart extends to the last).
        #expect(ticks.first! == low && 2 * ticks.last! >= 2 * high - (ticks[1] - ticks[0]))
    }

    /// The legend entries of an SVG chart: (x, y, text) of each `class="legend"` text, and
    /// the chart's width and height.
    func legend(_ svg: String) -> (entries: [(x: Double, y: Double, text: String)], width: Double, height: Double) {
        let size = svg.firstMatch(of: /viewBox="0 0 (\d+) (\d+)"/)!
        let entries = svg.matches(of: /<text x="([\d.]+)" y="([\d.]+)" class="legend">([^<]*)<\/text>/).map {
            (x: Double($0.1)!, y: Double($0.2)!, text: String($0.3))
        }
        return (entries, Double(size.1)!, Double(size.2)!)
    }

    @Test func chartLegendsWrapInsideTheChart() {
        // Before, a legend ran on in one row past the chart's edge, and the bands' key (95%,
        // 80%) of a two-scenario chart was cut off unseen.
        let names = ["pupils: baseline", "median of draws: baseline", "places: baseline", "pupils: regeneration-south-west"]
        let series = names.map { SVGChart.Series(name: $0, values: [1, 2, 3], colour: "#000") }
        let bands = ["95%", "80%"].map { SVGChart.Band(name: $0, lower: [1, 1, 2], upper: [2, 3, 4], colour: "#00f", opacity: 0.2) }
        let chart = legend(SVGChart.lines(title: "t", xLabels: ["a", "b", "c"], yLabel: "pupils", series: series, bands: bands))
        #expect(chart.entries.map(\.text) == names + ["95%", "80%"])
        #expect(Set(chart.entries.map(\.y)).count >= 2, "the legend wraps")
        #expect(chart.height > 260, "and the chart grows to hold it")
        for e in chart.entries { #expect(e.x + 6.2 * Double(e.text.count) <= chart.width, "\(e.text) at \(e.x)") }
        #expect(chart.entries.allSatisfy { $0.y < chart.height })
        // One short entry stays in one row, at the usual height.
        let one = legend(SVGChart.lines(title: "t", xLabels: ["a", "b"], yLabel: "p", series: [series[0]]))
        #expect(one.height == 260 && one.entries.count == 1)

        let key = [("deficit", "#d00"), ("below 5.0%", "#fd0"), ("within margin", "#9c9"), ("above 10.0%", "#9bd")]
        let heat = legend(SVGChart.heatMap(
            title: "h", rows: ["P01", "P02"], columns: ["25/26", "26/27"], values: [[1, 2], [3, nil]], colour: { _ in "#fff" }, legend: key))
        #expect(heat.entries.map(\.text) == key.map(\.0))
        for e in heat.entries { #expect(e.x + 6.2 * Double(e.text.count) <= heat.width, "\(e.text) at \(e.x)") }
        #expect(heat.entries.allSatisfy { $0.y < heat.height })

        let bars = legend(SVGChart.bars(title: "b", categories: ["ASD", "SEMH"], series: series, yLabel: "places"))
        #expect(bars.entries.map(\.text) == names && bars.height > 240)
        for e in bars.entries { #expect(e.x + 6.2 * Double(e.text.count) <= bars.width, "\(e.text) at \(e.x)") }
        // A long title widens the chart rather than running off its edge.
        let title = "Specialist demand against in-borough places, 2030/31 [regeneration-south-west]"
        #expect(legend(SVGChart.bars(title: title, categories: ["ASD"], series: [series[0]], yLabel: "p")).width >= 56 + 8.4 * Double(title.count))
        #expect(legend(SVGChart.heatMap(title: title, rows: ["a"], columns: ["b"], values: [[1]], colour: { _ in "#fff" }, legend: key)).width >= 8.4 * Double(title.count))
    }

    @Test func surplusKeyNamesEveryColourTheHeatMapUses() {
        // Before, the key had four entries and the map six colours (deeper red and blue unnamed).
        let key = HTMLReport.surplusKey(margin: 0.05, high: 0.10)
        let used = Set(stride(from: -30.0, through: 40, by: 0.5).map { HTMLReport.surplusColour($0, margin: 5, high: 10) })
        #expect(used == Set(key.map(\.1)) && key.count == used.count)
        #expect(key.map(\.0) == ["deficit over 5%", "deficit", "below 5.0%", "within margin", "above 10.0%", "above 20.0%"])
    }

    @Test func anInputIsNeverReplaced() throws {
        let d = try TemporaryData(files: ["in.csv": "a\n1\n"])
        InputFiles.record(d.path("in.csv"))
        let e = error { try OutputFile.write("x", to: d.path("./in.csv"), option: "--records") }
        guard case .invalidOption(let option, let message, _) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(option == "--records" && message.hasSuffix("is one of this run's inputs"))
        #expect(try String(contentsOfFile: d.path("in.csv"), encoding: .utf8) == "a\n1\n")
        try OutputFile.write("x", to: d.path("out.csv"))
        #expect(try String(contentsOfFile: d.path("out.csv"), encoding: .utf8) == "x")
    }

    @Test func csvQuotesWhereNeeded() {
        let text = csvText(header: ["a", "b"], rows: [["x, y", "1"]])
        #expect(text == "a,b\n\"x, y\",1\n")
    }

    @Test func failedWriteLeavesNothingBehind() throws {
        let d = try TemporaryData(files: [:])
        let target = d.path("missing-dir/out.csv")
        let e = error { try OutputFile.write("data", to: target) }
        #expect(e?.exitCode == 73)
        #expect(!FileManager.default.fileExists(atPath: target))
        let good = d.path("out.csv")
        try OutputFile.write("one", to: good)
        try OutputFile.write("two", to: good)
        #expect(try String(contentsOfFile: good, encoding: .utf8) == "two")
        #expect(try FileManager.default.contentsOfDirectory(atPath: d.directory) == ["out.csv"])
    }

    @Test func sufficiencyJSONFollowsTheSchema() throws {
        let d = try TemporaryData.handCheckable()
        let data = try PlacePlanFormat.load(directory: d.directory)
        let run = try ScenarioRunner.run(data, scenarios: [], overrides: AssumptionOverrides(horizon: 2))
        let text = try SufficiencyOutput(run, dataLabel: "test").render(.json)
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        #expect(json["schema"] as? String == "placeplan.sufficiency/1")
        #expect(json["origin"] as? String == "2022/23")
        let rows = json["rows"] as! [[String: Any]]
        #expect(rows.count == 6)
        #expect(Set(rows[0].keys) == [
            "scenario", "area", "area_name", "phase", "year", "forecast", "places", "pupils", "surplus", "surplus_pct",
            "shortfall", "entry_year_group", "entry_places", "entry_pupils", "entry_forms_of_entry", "status", "entry_status",
        ])
        #expect(rows[0]["status"] as? String == "high surplus")
        // Same input, same bytes.
        #expect(try SufficiencyOutput(run, dataLabel: "test").render(.json) == text)
        let scenarios = json["scenarios"] as! [[String: Any]]
        #expect(scenarios.count == 1 && scenarios[0]["name"] as? String == "baseline")
        #expect((json["specialist_places"] as! [[String: Any]]).count == 3)  // B1's 8 ASD places, each year
    }
}
