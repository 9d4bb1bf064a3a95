import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The SOPP board's commands: compare, saved runs, the report and the SCAP export.
@Suite struct BoardCommandTests {
    let baseline = "\(CLI.scenarios)/baseline.yaml"
    let regeneration = "\(CLI.scenarios)/regeneration-south-west.yaml"

    @Test func compareScenarios() throws {
        let r = try CLI.run(["compare", "--scenario", baseline, "--scenario", regeneration])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("[1] baseline, [2] regeneration-south-west"))
        let changed = try CLI.run(["compare", "--scenario", baseline, "--scenario", regeneration, "--changed-only", "--format", "csv"])
        let lines = changed.stdout.split(separator: "\n").dropFirst()
        #expect(!lines.isEmpty && lines.allSatisfy { $0.hasSuffix(",yes") })
        #expect(lines.allSatisfy { $0.hasPrefix("P06,") || $0.hasPrefix("P10,") || $0.hasPrefix("S3,") }, "only the regeneration areas change")
        let json = try CLI.run(["compare", "--scenario", baseline, "--scenario", regeneration, "--format", "json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(doc["schema"] as? String == "placeplan.compare/1")
        #expect(try CLI.run(["compare", "--scenario", baseline]).status == 64)
        #expect(!r.stdout.contains("P(def)"), "no draws, no chances")
    }

    /// With draws, each column gains the chance of a deficit. The same seed gives both
    /// scenarios the same draws, so the areas regeneration leaves alone keep their chances
    /// exactly, and the ones it changes (homes built, and demolished) get other chances.
    @Test func compareWithDraws() throws {
        let args = ["compare", "--scenario", baseline, "--scenario", regeneration, "--draws", "300"]
        let table = try CLI.run(args + ["--changed-only"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("P(def) = chance of a deficit"))
        let json = try CLI.run(args + ["--format", "json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let lines = try #require(doc["lines"] as? [[String: Any]])
        var same = 0, changed = 0, census = 0
        for line in lines {
            let places = try #require(line["places"] as? [Double]), chance = try #require(line["probability_deficit"] as? [Any])
            guard let a = chance[0] as? Double, let b = chance[1] as? Double else {
                #expect(chance.allSatisfy { $0 is NSNull } && line["year"] as? String == "2025/26", "only the census year has no chance: \(line)")
                census += 1
                continue
            }
            #expect((0...1).contains(a) && (0...1).contains(b))
            let pupils = try #require(line["pupils"] as? [Double])
            if pupils[0] == pupils[1] && places[0] == places[1] {
                #expect(a == b, "\(line["area"]!) \(line["year"]!) \(line["level"]!): \(a) then \(b)")
                same += 1
            } else if a != b {
                changed += 1
            }
        }
        #expect(census > 0 && same > 100 && changed > 10, "\(census) census lines, \(same) the same, \(changed) changed")
        let csv = try CLI.run(args + ["--format", "csv"])
        #expect(csv.stdout.hasPrefix("area,area_name,phase,year,level,baseline pupils,baseline places,baseline surplus_pct,baseline status,baseline probability_deficit,"))
    }

    @Test func savedRunsAndVintages() throws {
        let dir = try CLI.scratch()
        let store = dir.appendingPathComponent("runs.sqlite").path
        let first = try CLI.run(["sufficiency", "--store", store, "--save", "SCAP 2025", "--format", "csv"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("saved run 'SCAP 2025'"))
        // A second vintage with another method and data that changed.
        let data = try CLI.brokenDemo("births.csv") { $0.replacingOccurrences(of: "DEMO,2025,", with: "DEMO,2025,1") }
        let second = try CLI.run(["sufficiency", "--data", data.path, "--method", "mean3", "--store", store, "--save", "SCAP 2026", "--label", "Autumn 2026", "--format", "csv"])
        #expect(second.status == 0, "\(second.stderr)")
        // The same name again is refused, and nothing is written.
        let again = try CLI.run(["sufficiency", "--store", store, "--save", "SCAP 2025"])
        #expect(again.status == 64 && again.stderr.contains("already") && again.stdout.isEmpty)
        // A run needs a name.
        let blank = try CLI.run(["sufficiency", "--store", store, "--save", " "])
        #expect(blank.status == 64 && blank.stderr.contains("--save needs a name") && blank.stdout.isEmpty)
        // A store that is not one is bad input (65), before the run too.
        let junk = try CLI.scratch().appendingPathComponent("junk.sqlite").path
        try "not a store".write(toFile: junk, atomically: true, encoding: .utf8)
        let notAStore = try CLI.run(["sufficiency", "--store", junk, "--save", "X"])
        #expect(notAStore.status == 65 && notAStore.stderr.hasPrefix("error: \(junk): not a placeplan run store") && notAStore.stdout.isEmpty)
        // A run that fails on bad data saves nothing.
        let bad = try CLI.brokenDemo("rolls.csv") { $0.replacingOccurrences(of: "2019/20,P03-02,Y4,", with: "2019/20,P03-02,Y4,-") }
        #expect(try CLI.run(["sufficiency", "--data", bad.path, "--store", store, "--save", "broken"]).status == 65)

        let list = try CLI.run(["runs", "list", "--store", store])
        #expect(list.status == 0)
        #expect(list.stdout.contains("SCAP 2025") && list.stdout.contains("Autumn 2026") && !list.stdout.contains("broken"))
        // `runs` alone lists them too.
        #expect(try CLI.run(["runs", "--store", store]).stdout == list.stdout)
        let show = try CLI.run(["runs", "show", "SCAP 2026", "--store", store])
        #expect(show.stdout.contains("Inputs (SHA-256):") && show.stdout.contains("births.csv") && show.stdout.contains("method: mean3"))

        let compare = try CLI.run(["compare", "--run", "SCAP 2025", "--run", "SCAP 2026", "--store", store])
        #expect(compare.status == 0, "\(compare.stderr)")
        #expect(compare.stdout.contains("What differs between 'SCAP 2025' and 'SCAP 2026'"))
        #expect(compare.stdout.contains("method: auto vs mean3"))
        #expect(compare.stdout.contains("births.csv: only in") || compare.stdout.contains("births.csv: changed"))
        #expect(try CLI.run(["compare", "--run", "SCAP 2025", "--run", "nope", "--store", store]).status == 64)
        #expect(!compare.stderr.contains("nothing is compared"))
        // Runs with nothing in common (here, one whose years end before the other's begin)
        // are compared, and stderr says that nothing lines up.
        let early = try CLI.run(["sufficiency", "--from", "2018/19", "--years", "3", "--store", store, "--save", "SCAP 2018", "--format", "csv"])
        #expect(early.status == 0, "\(early.stderr)")
        let apart = try CLI.run(["compare", "--run", "SCAP 2018", "--run", "SCAP 2026", "--store", store])
        #expect(apart.status == 0 && apart.stderr.contains("nothing is compared"), "\(apart.stderr)")
        #expect(!apart.stdout.contains("did against the census"))
        // Last autumn's vintage against this autumn's census: each phase and entry year group
        // scored, the census year not flagged as a change of status.
        let last = try CLI.run(["sufficiency", "--from", "2024/25", "--store", store, "--save", "autumn 2024", "--format", "csv"])
        #expect(last.status == 0, "\(last.stderr)")
        let outturn = try CLI.run(["compare", "--run", "SCAP 2025", "--run", "autumn 2024", "--store", store, "--changed-only", "--format", "csv"])
        #expect(outturn.status == 0 && !outturn.stdout.contains(",2024/25,"), "\(outturn.stdout)")
        let scored = try CLI.run(["compare", "--run", "autumn 2024", "--run", "SCAP 2025", "--store", store]).stdout
        #expect(scored.contains("How 'autumn 2024' (baseline, from the 2024/25 census) did against the census in 'SCAP 2025'"), "\(scored)")
        for what in ["primary", "Reception", "secondary", "Year 7"] { #expect(scored.contains("  2025/26 \(what) (1 year ahead): forecast ")) }
        let json = try CLI.run(["compare", "--run", "autumn 2024", "--run", "SCAP 2025", "--store", store, "--format", "json"]).stdout
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let outturns = try #require(doc["outturns"] as? [[String: Any]])
        let levels = try #require(outturns.first?["lines"] as? [[String: Any]])
        #expect(outturns.count == 1 && outturns[0]["run"] as? String == "autumn 2024" && outturns[0]["against"] as? String == "SCAP 2025")
        #expect(levels.compactMap { $0["level"] as? String } == ["primary", "Reception", "secondary", "Year 7"])
        let primary = levels[0]
        let f = try #require(primary["forecast"] as? Double), a = try #require(primary["actual"] as? Double), e = try #require(primary["error"] as? Double)
        #expect(abs(f / a - 1 - e) < 1e-4 && primary["years_ahead"] as? Int == 1 && primary["largest_area"] is String)
        // The report scores the saved run against its own census, and lists the changed rows.
        let page = dir.appendingPathComponent("board.html").path
        let report = try CLI.run(["report", "--run", "autumn 2024", "--store", store, "--output", page])
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        let section = try #require(html.range(of: "<section id=\"vintages\">").map { String(html[$0.lowerBound...]) })
        #expect(section.contains("How the saved forecasts did against this census"))
        #expect(section.components(separatedBy: "autumn 2024 (baseline, from 2024/25)").count - 1 == 4)
        #expect(section.contains("<td class=\"l\">Reception</td>") && section.contains("Rows whose status differs"))
        #expect(!section.contains("<td class=\"l\">2024/25</td>"))
    }

    @Test func scapExport() throws {
        let r = try CLI.run(["export", "--scap", "--la-number", "999"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.first == "la_number,la_name,planning_area_code,planning_area_name,phase,ncy,academic_year,time_period,forecast_pupils,capacity")
        // 10 primary areas x 7 year groups x 5 years + 5 secondary areas x 7 x 7 years.
        #expect(lines.count - 1 == 10 * 7 * 5 + 5 * 7 * 7)
        #expect(lines.contains { $0.hasPrefix("999,DEMO,S3,") && $0.contains(",2032/33,") })
        #expect(!lines.contains { $0.hasPrefix("999,DEMO,P01,") && $0.contains(",2031/32,") })
        // The full SCAP horizons whatever --years says, and a note that says so.
        let short = try CLI.run(["export", "--scap", "--la-number", "999", "--years", "3"])
        #expect(short.status == 0 && short.stdout == r.stdout)
        #expect(short.stderr.contains("exporting 7 years, not 3"))
        // Without the LA number (the demo's areas.csv names the authority 'DEMO'), refused.
        let unnamed = try CLI.run(["export", "--scap"])
        #expect(unnamed.status == 64 && unnamed.stderr.contains("--la-number"))
        // One scenario per return.
        let two = ["export", "--scap", "--la-number", "999", "--scenario", baseline, "--scenario", "\(CLI.scenarios)/bulge-2027.yaml"]
        let refused = try CLI.run(two)
        #expect(refused.status == 64 && refused.stderr.contains("--scenario-name 'baseline' or 'bulge-2027'"))
        let chosen = try CLI.run(two + ["--scenario-name", "bulge-2027"])
        #expect(chosen.status == 0 && chosen.stdout != r.stdout)
    }

    /// A national run: the dozens of LAs in high surplus are one line of the summary, with
    /// the largest five, not a line each (97 lines on England); deficits stay one a line. The
    /// demo, with fewer, lists each.
    @Test(.enabled(if: CLI.england != nil, "needs ../shared/data/england"))
    func manyAreasInSurplusAreOneLine() throws {
        let out = try CLI.scratch().appendingPathComponent("england.html").path
        #expect(try CLI.run(["report", "--data", CLI.england!, "--years", "5", "--output", out]).status == 0)
        let html = try String(contentsOfFile: out, encoding: .utf8)
        let summary = String(html[try #require(html.range(of: "<ul class=\"findings\">")).lowerBound...].split(separator: "</ul>")[0])
        #expect(summary.contains("at some point in ") && summary.contains("areas and phases, each in the heat map below; the largest: "))
        #expect(!summary.contains("surplus above 10.0% from") && summary.contains("deficit from"))
        let demo = try CLI.scratch().appendingPathComponent("demo.html").path
        #expect(try CLI.run(["report", "--output", demo]).status == 0)
        let demoHTML = try String(contentsOfFile: demo, encoding: .utf8)
        #expect(demoHTML.contains("surplus above 10.0% from") && !demoHTML.contains("areas and phases, each in the heat map below"))
    }

    /// Where an authority places many children outside the borough today (Barnet, from the
    /// DfE files), most needs are short in every draw of every year: they are listed with
    /// their shortfall, and the chance heat map keeps the needs whose outcome is in doubt.
    @Test(.enabled(if: CLI.london != nil, "needs ../shared/data/london"))
    func specialistNeedsShortInEveryDrawAreListedNotMapped() throws {
        let out = try CLI.scratch().appendingPathComponent("barnet.html").path
        let r = try CLI.run(["report", "--data", CLI.london!, "--la", "Barnet", "--draws", "200", "--years", "6", "--output", out])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        let note = try #require(html.firstMatch(of: /Demand exceeds the in-borough places in every draw of every year \(so these are not in the chart\); children beyond the places in 2028\/29: ([^<]*)\.<\/p>/))
        let listed = note.1.split(separator: ", ").map { $0.split(separator: " ").dropLast().joined(separator: " ") }
        #expect(listed.contains("ASD (pri)") && listed.contains("ASD (sec)"), "\(listed)")
        let chart = try #require(html.firstMatch(of: /aria-label="Chance that specialist demand exceeds in-borough places, %".*?<\/svg>/.dotMatchesNewlines()))
        let mapped = String(chart.0).matches(of: /class="tick" text-anchor="end">([^<]*)</).map { String($0.1) }
        #expect(!mapped.isEmpty && Set(mapped).isDisjoint(with: listed), "\(mapped)")
        // Every mapped row has a year below 99.5%; the cells are whole per cent.
        let rows = String(chart.0).components(separatedBy: "text-anchor=\"end\">").dropFirst()
        for row in rows {
            let cells = row.matches(of: /class="cell" text-anchor="middle">(\d+)</).map { Int($0.1)! }
            #expect(cells.contains { $0 < 100 }, "\(row.prefix(20))")
        }
    }

    @Test func reportIsWellFormedWithEverySection() throws {
        let dir = try CLI.scratch()
        let out = dir.appendingPathComponent("report.html").path
        let r = try CLI.run(["report", "--output", out, "--scenario", baseline, "--scenario", regeneration, "--draws", "200"])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        // Self-contained: no scripts, no links to anywhere.
        #expect(!html.contains("<script") && !html.contains("<link") && !html.contains("https://") && !html.contains("@import"))
        let urls = html.components(separatedBy: "http://").dropFirst().map { String($0.prefix(26)) }
        #expect(urls.allSatisfy { $0 == "www.w3.org/2000/svg\" viewB" }, "the only URL is the SVG namespace")
        for id in ["summary", "heatmap", "chances", "areas", "entry", "send", "scenarios", "accuracy"] {
            #expect(html.contains("<section id=\"\(id)\">"), "missing section \(id)")
        }
        // One chart per area and phase, two heat maps of surplus and two of the chance of a
        // deficit, one SEND chart and one heat map of children placed outside their
        // planning area per scenario, and the chance of too few specialist places for the
        // drawn (first) scenario.
        #expect(html.components(separatedBy: "<svg").count - 1 == 15 + 2 + 2 + 2 + 2 + 1)
        #expect(html.contains("Children placed outside their planning area") && html.contains("ehcp_caseload_by_area.csv"))
        // SEND with draws: P10-P90 of EHCP pupils, placements outside and cost, each year
        // but the census, and the chance of a shortfall per need and phase with places.
        #expect(html.contains("<th>EHCP pupils</th><th>P10–P90</th>"))
        let sendRows = html.matches(of: /<tr><td class="l">20\d\d\/\d\d<\/td><td>[\d,]+<\/td><td>([\d,]+)–([\d,]+)<\/td>/)
        #expect(sendRows.count == 15, "one row a forecast year, for the drawn scenario only")
        for m in sendRows {
            #expect(Int(m.1.replacingOccurrences(of: ",", with: ""))! < Int(m.2.replacingOccurrences(of: ",", with: ""))!)
        }
        #expect(html.contains("Chance that specialist demand exceeds in-borough places, %: baseline"))
        #expect(!html.contains("Chance that specialist demand exceeds in-borough places, %: regeneration"))
        #expect(html.contains("Demand but no in-borough places (short in every draw): "))
        #expect(html.contains("Chance of a deficit, %: regeneration-south-west"))
        // The summary names an area whose forecast has no deficit but whose draws give one a
        // real chance (10% or more): 160 new family homes in Golders Green in 2030 leave its
        // forecast inside its places, with over a 10% chance of a deficit late in the 15 years.
        let homes = dir.appendingPathComponent("golders-green-homes.yaml")
        try """
            name: golders-green-homes
            changes:
              - type: housing
                name: Golders Green infill
                area: P09
                secondary_area: S5
                completions: {2030: 160}
                mix:
                  - {type: house, bedrooms: 3, tenure: affordable, share: 1}
            """.write(to: homes, atomically: true, encoding: .utf8)
        let risky = dir.appendingPathComponent("risky.html").path
        let near = try CLI.run(["report", "--years", "15", "--output", risky, "--scenario", homes.path, "--draws", "200"])
        #expect(near.status == 0, "\(near.stderr)")
        let nearHTML = try String(contentsOfFile: risky, encoding: .utf8)
        #expect(nearHTML.contains("<b>P09 Golders Green &amp; Childs Hill</b>, primary: no deficit forecast, but <span class=\"risk\">a "))
        #expect(!html.contains("<b>P09 Golders Green &amp; Childs Hill</b>, primary [baseline]: no deficit forecast"), "under 10% without the homes")
        #expect(html.contains("80%") && html.contains("Specialist demand against in-borough places"))
        // Each area's chart starts five censuses before the origin (2025/26), so the forecast
        // is seen against the trend, and shows the places less the operating margin.
        let areaCharts = html.components(separatedBy: "<section id=\"areas\">")[1].components(separatedBy: "</section>")[0]
        #expect(areaCharts.components(separatedBy: "text-anchor=\"middle\">20/21</text>").count - 1 == 15)
        #expect(areaCharts.components(separatedBy: ">places less 5.0% margin</text>").count - 1 == 15)
        #expect(!areaCharts.contains(">/21<"), "no year label loses its digits")
        // Each area's chart draws the draws' median, dotted, beside the forecast line.
        #expect(html.components(separatedBy: ">median of draws: baseline</text>").count - 1 == 15)
        // Every scenario has its own bands and median (not the first alone).
        #expect(html.components(separatedBy: ">median of draws: regeneration-south-west</text>").count - 1 == 15)
        #expect(html.components(separatedBy: ">80%: regeneration-south-west</text>").count - 1 == 15)
        #expect(html.components(separatedBy: "stroke-dasharray=\"2 3\"").count - 1 == 2 * 2 * 15, "each median's path and its legend key")
        // For the board: the authority and the date in the header, a how-to-read box, deficits
        // listed first, a viewport for phones, and deficits marked by more than colour.
        #expect(html.contains("<h1>School places in DEMO: forecast and sufficiency</h1>") && html.contains("Produced "))
        #expect(html.contains("How to read this report.") && html.contains("name=\"viewport\""))
        let summary = html.components(separatedBy: "<section id=\"summary\">")[1].components(separatedBy: "</section>")[0]
        let firstDeficit = summary.range(of: "class=\"deficit\"")!.lowerBound, firstSurplus = summary.range(of: "class=\"high\"")!.lowerBound
        #expect(firstDeficit < firstSurplus)
        #expect(summary.contains("<b>All areas, primary</b>") && summary.contains("[every scenario]"))
        #expect(html.contains("stroke=\"#1d2733\" stroke-width=\"1.5\""))
        // Well-formed markup: it parses as XML.
        let parser = XMLParser(data: Data(html.replacingOccurrences(of: "<!DOCTYPE html>", with: "").utf8))
        #expect(parser.parse(), "\(String(describing: parser.parserError))")
        // Without draws, no chances.
        let plain = try CLI.run(["report", "--output", out, "--scenario", baseline])
        #expect(plain.status == 0, "\(plain.stderr)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(!text.contains("<section id=\"chances\">") && !text.contains("no deficit forecast, but"))
        #expect(!text.contains("P10–P90") && !text.contains("Chance that specialist demand"))
    }
}
