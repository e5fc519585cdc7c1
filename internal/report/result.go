// Package report holds fooltest's one result model and a writer per output
// format. Writers only read a Result; the verdict in it is decided by the
// gate package before any writer runs.
package report

// Schema is the version of the JSON result written to report.json.
const Schema = 1

// Result is everything a fooltest run found. It is serialised as report.json
// and every other format is derived from it.
type Result struct {
	Schema   int      `json:"schema"`
	Versions Versions `json:"versions"`
	Model    Model    `json:"model"`
	Config   Config   `json:"config"`

	// Verdict is "pass", "fail" or "error", computed once by the gate.
	Verdict string `json:"verdict"`
	// Error says why the verdict is "error": what kept the run from
	// testing the model. It is empty otherwise.
	Error     string  `json:"error,omitempty"`
	Fooled    int     `json:"fooled"`
	Targets   int     `json:"targets"`
	Threshold float64 `json:"threshold"`
	// MaxFooled is the resolved number of fooled classes the gate allows.
	MaxFooled int `json:"max_fooled"`

	Evaluations    int64   `json:"evaluations"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	// OpenSeconds is the time spent opening the model (loading it,
	// probing its output, tuning the batch size) before the search,
	// which counts against the budget too.
	OpenSeconds      float64 `json:"open_seconds"`
	EvalsPerSecond   float64 `json:"evaluations_per_second"`
	BudgetSeconds    float64 `json:"budget_seconds"`
	MedianConfidence float64 `json:"median_confidence"`
	MaxConfidence    float64 `json:"max_confidence"`
	NonFiniteOutputs int64   `json:"non_finite_outputs"`
	Interrupted      bool    `json:"interrupted"`
	StoppedReason    string  `json:"stopped_reason"`
	StartedAt        string  `json:"started_at"`
	Classes          []Class `json:"classes"`
}

// Versions names the software that produced a Result.
type Versions struct {
	Fooltest    string `json:"fooltest"`
	ONNXRuntime string `json:"onnxruntime"`
}

// Model describes the classifier under test.
type Model struct {
	// Path is relative to the working directory (the workspace in Actions).
	Path       string `json:"path"`
	SHA256     string `json:"sha256"`
	Classes    int    `json:"classes"`
	Input      string `json:"input"`
	Layout     string `json:"layout"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	Channels   int    `json:"channels"`
	Output     string `json:"output"`
	OutputKind string `json:"output_kind"`
}

// Config is every setting in effect for the run, as the user gave it or as
// defaulted.
type Config struct {
	Encoding      string    `json:"encoding"`
	Algorithm     string    `json:"algorithm"`
	Budget        string    `json:"budget"`
	MaxEvals      int64     `json:"max_evals"`
	Classes       string    `json:"classes"`
	Threshold     float64   `json:"threshold"`
	MaxFooled     string    `json:"max_fooled"`
	FailOn        string    `json:"fail_on"`
	Seed          uint64    `json:"seed"`
	Batch         int       `json:"batch"`
	Threads       int       `json:"threads"`
	Preset        string    `json:"preset"`
	Scale         float64   `json:"scale"`
	Mean          []float64 `json:"mean"`
	Std           []float64 `json:"std"`
	InputShape    string    `json:"input_shape"`
	Output        string    `json:"output"`
	OutputKind    string    `json:"output_kind"`
	Labels        string    `json:"labels"`
	ReportDir     string    `json:"report_dir"`
	Formats       []string  `json:"formats"`
	ExportDataset bool      `json:"export_dataset"`
}

// Class is the best image found for one target class.
type Class struct {
	Index      int     `json:"index"`
	Label      string  `json:"label"`
	Confidence float64 `json:"confidence"`
	Fooled     bool    `json:"fooled"`
	Encoding   string  `json:"encoding"`
	// EvaluationsToThreshold is the run's evaluation count when the class
	// first reached the threshold; nil when it never did.
	EvaluationsToThreshold *int64   `json:"evaluations_to_threshold"`
	SecondsToThreshold     *float64 `json:"seconds_to_threshold"`
	// Image is the PNG's path relative to the report directory.
	Image   string  `json:"image"`
	History []Point `json:"history"`

	// Pixels is the best image in canonical form; writers that draw
	// images read it, and it is not serialised.
	Pixels *Image `json:"-"`
}

// Point is one step of a class's best confidence against evaluations.
type Point struct {
	Evaluations int64   `json:"evaluations"`
	Confidence  float64 `json:"confidence"`
}

// Image is a canonical image quantized to bytes, as PNGs store it: planar
// C×H×W, 0 for 0.0 and 255 for 1.0. Bytes keep a thousand ImageNet-size
// images at 150 KB each while reports are written.
type Image struct {
	C, H, W int
	Pix     []uint8
}

// Quantize converts canonical values in [0,1] to the bytes Image holds;
// out-of-range values are clamped and NaN is black.
func Quantize(canonical []float32) []uint8 {
	out := make([]uint8, len(canonical))
	for i, v := range canonical {
		out[i] = to8(v)
	}
	return out
}
