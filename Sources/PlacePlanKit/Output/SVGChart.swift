/// Small SVG charts with axes, units, legends and readable labels, written by hand so that
/// a report needs no scripts or fonts from anywhere.
public enum SVGChart {
    public struct Series: Sendable {
        public var name: String
        public var values: [Double?]
        public var colour: String
        public var dashed: Bool
        /// Drawn with fine dots (a derived line, such as the draws' median).
        public var dotted: Bool
        /// Drawn thinner (a reference line, such as places less the margin).
        public var thin: Bool
        public init(name: String, values: [Double?], colour: String, dashed: Bool = false, dotted: Bool = false, thin: Bool = false) {
            self.name = name
            self.values = values
            self.colour = colour
            self.dashed = dashed
            self.dotted = dotted
            self.thin = thin
        }

        var dashAttribute: String { dashed ? " stroke-dasharray=\"6 4\"" : dotted ? " stroke-dasharray=\"2 3\"" : "" }
    }

    /// A shaded band between two series (a prediction interval).
    public struct Band: Sendable {
        public var name: String
        public var lower: [Double]
        public var upper: [Double]
        public var colour: String
        public var opacity: Double
        /// The x position of the first bound (a band that starts after the history).
        public var start: Int = 0
    }

    static func escape(_ s: String) -> String { HTMLReport.escape(s) }

    /// "Nice" axis ticks covering [low, high], whole numbers apart (the charts count pupils
    /// and places, printed without decimals: ticks 0.5 or 2.5 apart would read 0, 1, 1, 2 or
    /// 0, 3, 5, 8).
    static func ticks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
        let span = max(high - low, 1)
        let raw = span / Double(count)
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw && $0 >= 1 && $0 == $0.rounded() } ?? max(1, raw.rounded(.up))
        let start = (low / step).rounded(.down) * step
        return stride(from: start, through: high + step * 0.5, by: step).map { $0 }
    }

    /// A line chart over labelled x positions, with a vertical line at `origin` (the census
    /// a forecast starts from; none when nil).
    public static func lines(
        title: String, xLabels: [String], yLabel: String, series: [Series], bands: [Band] = [], width: Int = 520, height: Int = 260,
        origin: Int? = 0
    ) -> String {
        let left = 62.0, right = 24.0, top = 30.0, bottom = 58.0
        let width = fitting(title, from: left, width: width)
        let w = Double(width) - left - right, h = Double(height) - top - bottom
        // The legend runs under the axis, wrapping onto more rows (and a taller chart) when
        // the names do not fit in one.
        let names = series.map(\.name) + bands.map(\.name)
        let legend = legendPositions(names.map { 30 + Double($0.count) * 6.2 }, x: left, limit: Double(width) - 4, y: Double(height) - 14)
        let height = height + legend.extraHeight
        let all = series.flatMap { $0.values.compactMap { $0 } } + bands.flatMap { $0.lower + $0.upper }
        // The axis starts at zero, so that a line's height is its size (a 2% deficit does
        // not look like a collapse).
        var low = 0.0, high = max(all.max() ?? 1, 1)
        high += max(high * 0.05, 1)
        let ticks = Self.ticks(low, high)
        low = min(low, ticks.first ?? low)
        high = max(high, ticks.last ?? high)
        let n = max(xLabels.count - 1, 1)
        func x(_ i: Int) -> Double { left + w * Double(i) / Double(n) }
        func y(_ v: Double) -> Double { top + h * (1 - (v - low) / (high - low)) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"\(escape(title))\">"
        svg += "<title>\(escape(title))</title>"
        svg += "<text x=\"\(left)\" y=\"16\" class=\"chart-title\">\(escape(title))</text>"
        for t in ticks where t >= low && t <= high {
            svg += "<line x1=\"\(left)\" x2=\"\(left + w)\" y1=\"\(f(y(t)))\" y2=\"\(f(y(t)))\" class=\"grid\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(f(y(t) + 4))\" class=\"tick\" text-anchor=\"end\">\(Format.count(t))</text>"
        }
        let every = max(1, xLabels.count / 8)
        for (i, label) in xLabels.enumerated() where (i % every == 0 && xLabels.count - 1 - i >= every) || i == xLabels.count - 1 {
            svg += "<text x=\"\(f(x(i)))\" y=\"\(f(top + h + 16))\" class=\"tick\" text-anchor=\"middle\">\(escape(label))</text>"
        }
        svg += "<line x1=\"\(left)\" x2=\"\(left)\" y1=\"\(top)\" y2=\"\(top + h)\" class=\"axis\"/>"
        svg += "<line x1=\"\(left)\" x2=\"\(left + w)\" y1=\"\(top + h)\" y2=\"\(top + h)\" class=\"axis\"/>"
        svg += "<text transform=\"translate(14 \(f(top + h / 2))) rotate(-90)\" class=\"tick\" text-anchor=\"middle\">\(escape(yLabel))</text>"
        for band in bands {
            let upper = band.upper.enumerated().map { "\(f(x(band.start + $0.offset))),\(f(y($0.element)))" }
            let lower = band.lower.enumerated().reversed().map { "\(f(x(band.start + $0.offset))),\(f(y($0.element)))" }
            svg += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(band.colour)\" fill-opacity=\"\(band.opacity)\" stroke=\"none\"/>"
        }
        for s in series {
            var path = ""
            for (i, v) in s.values.enumerated() {
                guard let v else { continue }
                path += (path.isEmpty ? "M" : "L") + "\(f(x(i))),\(f(y(v))) "
            }
            svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(s.colour)\" stroke-width=\"\(s.thin ? 1 : 2)\"\(s.dashAttribute)/>"
        }
        if let origin, xLabels.count > 1, xLabels.indices.contains(origin) {
            svg += "<line x1=\"\(f(x(origin)))\" x2=\"\(f(x(origin)))\" y1=\"\(top)\" y2=\"\(top + h)\" class=\"origin\"/>"
        }
        for (s, (lx, ly)) in zip(series, legend.positions) {
            svg += "<line x1=\"\(f(lx))\" x2=\"\(f(lx + 18))\" y1=\"\(f(ly - 4))\" y2=\"\(f(ly - 4))\" stroke=\"\(s.colour)\" stroke-width=\"2\"\(s.dashAttribute)/>"
            svg += "<text x=\"\(f(lx + 22))\" y=\"\(f(ly))\" class=\"legend\">\(escape(s.name))</text>"
        }
        for (b, (lx, ly)) in zip(bands, legend.positions.dropFirst(series.count)) {
            svg += "<rect x=\"\(f(lx))\" y=\"\(f(ly - 10))\" width=\"18\" height=\"10\" fill=\"\(b.colour)\" fill-opacity=\"\(b.opacity)\"/>"
            svg += "<text x=\"\(f(lx + 22))\" y=\"\(f(ly))\" class=\"legend\">\(escape(b.name))</text>"
        }
        return svg + "</svg>"
    }

    /// A heat map of values (surplus %, or chances %) by row and column, each cell labelled
    /// (`label`, one decimal by default), with a colour key.
    public static func heatMap(
        title: String, rows: [String], columns: [String], values: [[Double?]], colour: (Double) -> String, legend: [(String, String)], cellWidth: Int = 46,
        label: (Double) -> String = { Format.decimal($0) }, marked: (Double) -> Bool = { _ in false }
    ) -> String {
        let left = 200.0, top = 40.0, cell = Double(cellWidth), rowHeight = 20.0
        let width = fitting(title, from: 0, width: Int(left + cell * Double(columns.count) + 10))
        // The key starts under the row labels, so that it fits beside few columns.
        let bottom = top + rowHeight * Double(rows.count)
        let keyWidths = legend.map { (label: String, _: String) -> Double in 26 + Double(label.count) * 6.2 }
        let key = legendPositions(keyWidths, x: 4, limit: Double(width) - 4, y: bottom + 24)
        let height = Int(bottom) + 44 + key.extraHeight
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"\(escape(title))\">"
        svg += "<title>\(escape(title))</title><text x=\"0\" y=\"16\" class=\"chart-title\">\(escape(title))</text>"
        for (j, c) in columns.enumerated() {
            svg += "<text x=\"\(f(left + cell * (Double(j) + 0.5)))\" y=\"\(f(top - 6))\" class=\"tick\" text-anchor=\"middle\">\(escape(c))</text>"
        }
        for (i, r) in rows.enumerated() {
            let yy = top + rowHeight * Double(i)
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(yy + 14))\" class=\"tick\" text-anchor=\"end\">\(escape(r))</text>"
            for (j, v) in values[i].enumerated() {
                let xx = left + cell * Double(j)
                // A marked cell (a deficit) has a dark border and bold text as well as its
                // colour, so that it stands out in grey print and to colour-blind readers.
                let mark = v.map(marked) ?? false
                svg += "<rect x=\"\(f(xx))\" y=\"\(f(yy))\" width=\"\(f(cell - 1))\" height=\"\(f(rowHeight - 1))\" fill=\"\(v.map(colour) ?? "#eeeeee")\""
                    + (mark ? " stroke=\"#1d2733\" stroke-width=\"1.5\"" : "") + "/>"
                if let v { svg += "<text x=\"\(f(xx + cell / 2))\" y=\"\(f(yy + 14))\" class=\"cell\" text-anchor=\"middle\"\(mark ? " font-weight=\"bold\"" : "")>\(label(v))</text>" }
            }
        }
        for ((label, c), (lx, ly)) in zip(legend, key.positions) {
            svg += "<rect x=\"\(f(lx))\" y=\"\(f(ly - 10))\" width=\"14\" height=\"12\" fill=\"\(c)\"/><text x=\"\(f(lx + 18))\" y=\"\(f(ly))\" class=\"legend\">\(escape(label))</text>"
        }
        return svg + "</svg>"
    }

    /// A grouped bar chart: for each category, one bar per series.
    public static func bars(title: String, categories: [String], series: [Series], yLabel: String, width: Int = 520, height: Int = 240) -> String {
        let left = 56.0, right = 10.0, top = 30.0, bottom = 56.0
        let width = fitting(title, from: left, width: width)
        let w = Double(width) - left - right, h = Double(height) - top - bottom
        let legend = legendPositions(series.map { 28 + Double($0.name.count) * 6.2 }, x: left, limit: Double(width) - 4, y: Double(height) - 13)
        let height = height + legend.extraHeight
        let high = max(1, series.flatMap { $0.values.compactMap { $0 } }.max() ?? 1) * 1.1
        let ticks = Self.ticks(0, high)
        let top2 = max(high, ticks.last ?? high)
        func y(_ v: Double) -> Double { top + h * (1 - v / top2) }
        let group = w / Double(max(1, categories.count)), bar = group * 0.8 / Double(max(1, series.count))
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"\(escape(title))\">"
        svg += "<title>\(escape(title))</title><text x=\"\(left)\" y=\"16\" class=\"chart-title\">\(escape(title))</text>"
        for t in ticks {
            svg += "<line x1=\"\(left)\" x2=\"\(left + w)\" y1=\"\(f(y(t)))\" y2=\"\(f(y(t)))\" class=\"grid\"/><text x=\"\(left - 6)\" y=\"\(f(y(t) + 4))\" class=\"tick\" text-anchor=\"end\">\(Format.count(t))</text>"
        }
        for (i, c) in categories.enumerated() {
            let gx = left + group * Double(i) + group * 0.1
            for (k, s) in series.enumerated() {
                let v = s.values[i] ?? 0
                svg += "<rect x=\"\(f(gx + bar * Double(k)))\" y=\"\(f(y(v)))\" width=\"\(f(bar - 1))\" height=\"\(f(top + h - y(v)))\" fill=\"\(s.colour)\"/>"
            }
            svg += "<text x=\"\(f(gx + group * 0.4))\" y=\"\(f(top + h + 14))\" class=\"tick\" text-anchor=\"middle\">\(escape(c))</text>"
        }
        svg += "<line x1=\"\(left)\" x2=\"\(left + w)\" y1=\"\(f(top + h))\" y2=\"\(f(top + h))\" class=\"axis\"/>"
        svg += "<text transform=\"translate(12 \(f(top + h / 2))) rotate(-90)\" class=\"tick\" text-anchor=\"middle\">\(escape(yLabel))</text>"
        for (s, (lx, ly)) in zip(series, legend.positions) {
            svg += "<rect x=\"\(f(lx))\" y=\"\(f(ly - 9))\" width=\"14\" height=\"10\" fill=\"\(s.colour)\"/><text x=\"\(f(lx + 18))\" y=\"\(f(ly))\" class=\"legend\">\(escape(s.name))</text>"
        }
        return svg + "</svg>"
    }

    /// Where each legend entry of the given width goes: left to right from `x`, a new row
    /// (``legendRow`` lower) when the next would pass `limit`; `extraHeight` is what the rows
    /// after the first add to the chart.
    static func legendPositions(_ widths: [Double], x: Double, limit: Double, y: Double) -> (positions: [(Double, Double)], extraHeight: Int) {
        var positions: [(Double, Double)] = []
        var lx = x, ly = y
        for w in widths {
            if lx > x, lx + w - 8 > limit {
                lx = x
                ly += legendRow
            }
            positions.append((lx, ly))
            lx += w
        }
        return (positions, Int(ly - y))
    }

    static let legendRow = 16.0

    /// `width`, or wider if need be to hold the title (13 px bold, about 8.4 px a
    /// character) from `x`: a title is never cut off at the chart's edge.
    static func fitting(_ title: String, from x: Double, width: Int) -> Int {
        max(width, Int((x + Double(title.count) * 8.4 + 8).rounded(.up)))
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }
}

import Foundation
