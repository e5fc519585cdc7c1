package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/fooltest/fooltest/internal/classifier"
)

// inspectJSON is inspect's --json output.
type inspectJSON struct {
	Model       string `json:"model"`
	SHA256      string `json:"sha256"`
	Preset      string `json:"preset"`
	Labels      string `json:"labels"`
	ONNXRuntime string `json:"onnxruntime"`
	classifier.Info
}

func inspectCmd(args []string, e env) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	var m modelFlags
	m.register(fs)
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := parse(fs, args, e, &m); err != nil {
		return err
	}
	l, err := m.open(context.Background())
	if err != nil {
		return err
	}
	defer l.Close()
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(inspectJSON{Model: l.Name, SHA256: l.SHA256, Preset: l.Preset, Labels: l.LabelsFrom, ONNXRuntime: l.Runtime, Info: l.Info()})
	}
	fmt.Fprint(e.stdout, summary(l))
	return nil
}
