package main

import (
	"flag"
	"fmt"
	"runtime/debug"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/safetext"

	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/cppn"
	"github.com/fooltest/fooltest/internal/ortlib"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

// fooltestVersion returns the build's version: the linker-set one, else the
// module version Go recorded, else "dev".
func fooltestVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func versionCmd(args []string, e env) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	lib := fs.String("onnxruntime-lib", "", "`path` of "+ortlib.LibraryFile())
	if err := parse(fs, args, e, nil); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "fooltest %s\n", fooltestVersion())
	if cppn.Vectorised() {
		fmt.Fprintln(e.stdout, "CPPN rendering: AVX2 kernels")
	} else {
		fmt.Fprintln(e.stdout, "CPPN rendering: scalar (build with GOEXPERIMENT=simd on amd64, as make does, for the AVX2 kernels)")
	}
	v, err := loadRuntime(*lib)
	if err != nil {
		return err
	}
	path, _ := classifier.LoadedRuntime()
	fmt.Fprintf(e.stdout, "ONNX Runtime %s (%s; built for %s)\n", safetext.Printable(v), safetext.Printable(path), classifier.RuntimeVersion)
	return nil
}
