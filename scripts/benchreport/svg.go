package main

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

var barColors = [nClients]string{"#00ADD8", "#8A96A3", "#E8833A"}

// Chart geometry, in SVG user units.
const (
	chartW    = 960.0
	chartH    = 560.0
	plotLeft  = 90.0
	plotRight = 940.0
	plotTop   = 120.0
	plotBot   = 470.0
	panelGap  = 50.0
)

// chartSVG draws throughput (calls/s) against concurrency, one panel per
// call, one bar per client at each concurrency. Both panels share the
// vertical scale.
func chartSVG(d *Data) []byte {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	esc := html.EscapeString

	maxV := 0.0
	for _, row := range d.Calls {
		for _, cs := range row {
			for _, c := range cs {
				if ok(c.PerSec) {
					maxV = math.Max(maxV, c.PerSec)
				}
			}
		}
	}
	step := niceStep(maxV / 5)
	top := math.Ceil(maxV/step) * step
	if top <= maxV*1.04 { // room for the labels above the tallest bar
		top += step
	}
	y := func(v float64) float64 { return plotBot - (plotBot-plotTop)*v/top }

	m := d.Machine
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" role="img" aria-labelledby="title desc">`+"\n",
		chartW, chartH, chartW, chartH)
	p("<title id=\"title\">Throughput against concurrency: SDK, bare net/http, TypeScript client</title>\n")
	p("<desc id=\"desc\">%s</desc>\n", esc(chartDesc(d)))
	p(`<style>text{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;fill:#1f2328}.t{font-size:20px;font-weight:600}.s{font-size:13px;fill:#57606a}.a{font-size:12px;fill:#57606a}.v{font-size:11px}.p{font-size:15px;font-weight:600}.g{font-size:13px}.l{font-size:13px}</style>` + "\n")
	p("<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n")
	p("<text class=\"t\" x=\"%g\" y=\"34\">Throughput against the local bench server (calls/s, higher is better)</text>\n", plotLeft)
	sub := fmt.Sprintf("%s %s/%s · %s, %d cores · Node %s", m.Go, m.GOOS, m.GOARCH, m.CPU, m.Cores, m.Node)
	if m.TSClient != "" {
		sub += " · " + m.TSClient
	}
	p("<text class=\"s\" x=\"%g\" y=\"56\">%s</text>\n", plotLeft, esc(sub))

	// Legend.
	lx := plotLeft
	for k := range nClients {
		p("<rect x=\"%g\" y=\"72\" width=\"14\" height=\"14\" rx=\"2\" fill=\"%s\"/>\n", lx, barColors[k])
		p("<text class=\"l\" x=\"%g\" y=\"84\">%s</text>\n", lx+20, esc(clientNames[k]))
		lx += 20 + float64(len(clientNames[k]))*7.2 + 24
	}

	// Horizontal grid and the vertical scale.
	for v := 0.0; v <= top+step/2; v += step {
		yy := y(v)
		stroke := "#d0d7de"
		if v == 0 {
			stroke = "#57606a"
		}
		p("<line x1=\"%g\" y1=\"%.1f\" x2=\"%g\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>\n", plotLeft, yy, plotRight, yy, stroke)
		p("<text class=\"a\" x=\"%g\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", plotLeft-8, yy+4, esc(fmtInt(v)))
	}
	p("<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"#57606a\"/>\n", plotLeft, plotTop, plotLeft, plotBot)
	p("<text class=\"a\" transform=\"translate(24 %g) rotate(-90)\" text-anchor=\"middle\">calls per second</text>\n", (plotTop+plotBot)/2)

	// One panel per call.
	panelW := (plotRight - plotLeft - panelGap*float64(len(ops)-1)) / float64(len(ops))
	for i, op := range ops {
		px := plotLeft + float64(i)*(panelW+panelGap)
		p("<text class=\"p\" x=\"%.1f\" y=\"%g\" text-anchor=\"middle\">%s</text>\n", px+panelW/2, plotTop-10, esc(op.Name))
		if i > 0 {
			sx := px - panelGap/2
			p("<line x1=\"%.1f\" y1=\"%g\" x2=\"%.1f\" y2=\"%g\" stroke=\"#8c959f\" stroke-dasharray=\"4 4\"/>\n", sx, plotTop-24, sx, plotBot)
		}
		groupW := panelW / float64(len(concs))
		barW := groupW * 0.24
		gap := 6.0
		for j, c := range concs {
			gx := px + float64(j)*groupW
			x0 := gx + (groupW-(3*barW+2*gap))/2
			for k := range nClients {
				v := d.Calls[i][j][k].PerSec
				x := x0 + float64(k)*(barW+gap)
				if !ok(v) {
					p("<text class=\"v\" x=\"%.1f\" y=\"%g\" text-anchor=\"middle\">n/a</text>\n", x+barW/2, plotBot-6)
					continue
				}
				yy := y(v)
				p("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s, %s, %s: %s calls/s</title></rect>\n",
					x, yy, barW, plotBot-yy, barColors[k], esc(clientNames[k]), esc(op.Name), esc(c.Text), esc(fmtInt(v)))
				p("<text class=\"v\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x+barW/2, yy-5, esc(short(v)))
			}
			label := "1 (sequential)"
			if c.N > 1 {
				label = strconv.Itoa(c.N) + " in flight"
			}
			p("<text class=\"g\" x=\"%.1f\" y=\"%g\" text-anchor=\"middle\">%s</text>\n", gx+groupW/2, plotBot+22, esc(label))
		}
	}
	p("<text class=\"a\" x=\"%g\" y=\"%g\" text-anchor=\"middle\">concurrency (calls in flight)</text>\n", (plotLeft+plotRight)/2, plotBot+48)
	p("<text class=\"s\" x=\"%g\" y=\"%g\">%s</text>\n", plotLeft, chartH-22, esc(chartNote(d)))
	p("</svg>\n")
	return []byte(b.String())
}

// chartNote sums up the ratios the targets are about.
func chartNote(d *Data) string {
	var parts []string
	for j, c := range concs {
		var rs []string
		for i := range ops {
			cs := d.Calls[i][j]
			if ok(cs[SDK].PerSec) && ok(cs[TS].PerSec) && cs[TS].PerSec > 0 {
				rs = append(rs, fmtRatio(cs[SDK].PerSec/cs[TS].PerSec))
			}
		}
		if len(rs) > 0 {
			parts = append(parts, c.Text+" "+strings.Join(rs, " / "))
		}
	}
	if len(parts) == 0 {
		return "Written by make bench; details in BENCHMARKS.md."
	}
	return "SDK ÷ TypeScript client: " + strings.Join(parts, ", ") + " (getConversation / createMessage)."
}

func chartDesc(d *Data) string {
	var rows []string
	for i, op := range ops {
		for j, c := range concs {
			var vs []string
			for k := range nClients {
				vs = append(vs, clientNames[k]+" "+fmtInt(d.Calls[i][j][k].PerSec))
			}
			rows = append(rows, op.Name+", "+c.Text+": "+strings.Join(vs, ", "))
		}
	}
	return "Calls per second. " + strings.Join(rows, "; ") + "."
}

// niceStep rounds s up to 1, 2, 2.5 or 5 times a power of ten.
func niceStep(s float64) float64 {
	if !(s > 0) {
		return 1
	}
	pow := math.Pow(10, math.Floor(math.Log10(s)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*pow >= s {
			return m * pow
		}
	}
	return 10 * pow
}

// short writes 12345 as "12.3k".
func short(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 2, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k"
	case a >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', 2, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}
