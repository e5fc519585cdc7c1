package report

// Words rewords a message that fooltest's libraries word once, for every
// front end, in the command line's terms (the gate's reasons name its
// flags: "raise --max-evals to at least 100"), into those of the front end
// that shows the reports. The GitHub Action, whose users set inputs and
// not flags, names its inputs instead. A nil Words keeps the libraries'
// wording.
//
// Only the formats a person reads are reworded: report.md, report.html,
// report.sarif, junit.xml, the gallery's title and the console.
// report.json keeps the libraries' wording whatever the front end, since
// it is the result as data: tools parse it, and a merge, a baseline or a
// later run reads it back.
type Words func(string) string

// Say returns s in w's words: as it is when w is nil.
func (w Words) Say(s string) string {
	if w == nil {
		return s
	}
	return w(s)
}
