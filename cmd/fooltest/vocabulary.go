package main

import (
	"strings"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/actions"
	"github.com/fooltest/fooltest/internal/report"
)

// vocabulary names fooltest's settings the way the front end that runs the
// command lets its users set them: the command line's flags, or the GitHub
// Action's inputs. The lines the command words itself (the model's
// summary) are worded for each whole, since a sentence worded for one
// does not read right reworded for the other ("no --preset was given"
// names no value); the libraries' messages, worded once, go through
// reportWords instead.
type vocabulary struct {
	// action: the step's users set the Action's inputs, and have no
	// subcommands but run and merge.
	action bool
}

// reportWords is the report.Words of the front end, for the libraries'
// messages in the reports a person reads: nil on the command line, whose
// flags they name.
func (v vocabulary) reportWords() report.Words {
	if v.action {
		return actions.InInputs
	}
	return nil
}

// setting names the setting of flag name: "--preset", or "the preset
// input".
func (v vocabulary) setting(name string) string {
	if v.action {
		return "the " + name + " input"
	}
	return "--" + name
}

// given names the setting name set to value, where a line says what a
// value would do: "--preset raw255", or "preset: raw255", as
// actions.InInputs words a flag with its value.
func (v vocabulary) given(name, value string) string {
	if v.action {
		return name + ": " + value
	}
	return "--" + name + " " + value
}

// pass tells the user to set the settings names to values, one value
// each: "--scale 1 --mean 0 --std 1", or "set the scale, mean and std
// inputs to 1, 0 and 1".
func (v vocabulary) pass(names, values []string) string {
	if v.action {
		noun := " input to "
		if len(names) > 1 {
			noun = " inputs to "
		}
		return "set the " + andList(names) + noun + andList(values)
	}
	flags := make([]string, len(names))
	for i, n := range names {
		flags[i] = "--" + n + " " + values[i]
	}
	return strings.Join(flags, " ")
}

// settings is what the user's own settings are called together: "the
// flags", or "the inputs".
func (v vocabulary) settings() string {
	if v.action {
		return "the inputs"
	}
	return "the flags"
}

// inspectImage names the inspection that shows how the model classifies
// a photo of the user's under each preprocessing. The Action has no
// inspect, so its users are told where to run it.
func (v vocabulary) inspectImage() string {
	if v.action {
		return "fooltest inspect --image PHOTO (run on your machine or with the image ghcr.io/fooltest/fooltest, as the Action has no inspect)"
	}
	return "inspect --image PHOTO"
}

// refusedAbove says that a run refuses a threshold above a ceiling, for
// the summary that inspect prints too.
func (v vocabulary) refusedAbove() string {
	if v.action {
		return "the Action refuses a threshold input above it"
	}
	return "run refuses a threshold above it"
}

// andList joins items as a sentence lists them: "a", "a and b", "a, b
// and c".
func andList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
