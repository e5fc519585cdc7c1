package ortlib

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
)

func TestFind(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	dir := t.TempDir()
	tests := []struct {
		name     string
		explicit string
		env      map[string]string
		want     string
	}{
		{"missing explicit library", "/nonexistent/libonnxruntime.so", nil, "/nonexistent/libonnxruntime.so (the path given)"},
		{"missing env library", "", map[string]string{envVar: "/nonexistent/x.so"}, "$" + envVar},
		{"directory as library", dir, nil, "directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Find(tc.explicit, env(tc.env))
			if !errors.Is(err, fault.Environment) || fault.SettingOf(err) != Setting || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an environment error about the runtime naming %q", err, tc.want)
			}
		})
	}
}

// TestFindKeepsCause checks that a library path that does not exist keeps
// the operating system's error in its chain under the same words.
func TestFindKeepsCause(t *testing.T) {
	_, err := Find("/nonexistent/libonnxruntime.so", func(string) string { return "" })
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(%v, fs.ErrNotExist) is false", err)
	}
	if want := "ONNX Runtime library /nonexistent/libonnxruntime.so (the path given): no such file or directory"; err == nil || err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

// TestSystemFindReadsGetenv checks that the system search reads the
// loader's path variable through the getenv Find was given, as it reads
// ONNXRUNTIME_LIB, and not from the process.
func TestSystemFindReadsGetenv(t *testing.T) {
	dir := t.TempDir()
	const name = "libfooltest-probe.so"
	if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// The process's own value would find the library: only getenv's may
	// count.
	t.Setenv("LD_LIBRARY_PATH", dir)
	tests := []struct {
		name string
		ld   string
		want bool
	}{
		{"folder given", dir, true},
		{"folder among others", "/nonexistent" + string(filepath.ListSeparator) + dir, true},
		{"no folder given", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "LD_LIBRARY_PATH" {
					return tc.ld
				}
				return ""
			}
			if _, got := systemFind(name, getenv, layoutFor("linux")); got != tc.want {
				t.Errorf("systemFind(%q) with LD_LIBRARY_PATH=%q = %v, want %v", name, tc.ld, got, tc.want)
			}
		})
	}
}

// TestLayoutFor checks each system's library names: Linux's stay
// libonnxruntime.so and .so.1, macOS's are the dylibs that
// scripts/install-onnxruntime.sh installs and onnxruntime-node ships.
func TestLayoutFor(t *testing.T) {
	tests := []struct {
		goos    string
		file    string
		names   []string
		pathVar string
		bare    bool
	}{
		{"linux", "libonnxruntime.so", []string{"libonnxruntime.so", "libonnxruntime.so.1"}, "LD_LIBRARY_PATH", true},
		{"darwin", "libonnxruntime.dylib", []string{"libonnxruntime.dylib", "libonnxruntime.1.dylib"}, "DYLD_LIBRARY_PATH", false},
		{"freebsd", "libonnxruntime.so", []string{"libonnxruntime.so", "libonnxruntime.so.1"}, "LD_LIBRARY_PATH", true},
	}
	for _, tc := range tests {
		t.Run(tc.goos, func(t *testing.T) {
			l := layoutFor(tc.goos)
			if l.file != tc.file || !slices.Equal(l.names, tc.names) || l.pathVar != tc.pathVar || l.bare != tc.bare {
				t.Errorf("layoutFor(%q) = file %q, names %q, %s, bare %v; want %q, %q, %s, bare %v",
					tc.goos, l.file, l.names, l.pathVar, l.bare, tc.file, tc.names, tc.pathVar, tc.bare)
			}
		})
	}
}

// TestSystemFindPerOS checks which file each system's search takes from a
// folder on its loader path and how it is loaded: Linux leaves the folder
// to dlopen and loads the bare name, macOS loads the full path, which its
// dlopen would not find by name in Homebrew's folder.
func TestSystemFindPerOS(t *testing.T) {
	tests := []struct {
		goos  string
		files []string
		want  string // "" when nothing may be found; else relative to the folder, or bare
	}{
		{"linux", []string{"libonnxruntime.so.1"}, "libonnxruntime.so.1"},
		{"linux", []string{"libonnxruntime.dylib"}, ""},
		{"darwin", []string{"libonnxruntime.1.dylib"}, "DIR/libonnxruntime.1.dylib"},
		{"darwin", []string{"libonnxruntime.dylib", "libonnxruntime.1.dylib"}, "DIR/libonnxruntime.dylib"},
		{"darwin", []string{"libonnxruntime.so"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.goos+"/"+strings.Join(tc.files, ","), func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			l := layoutFor(tc.goos)
			getenv := func(k string) string {
				if k == l.pathVar {
					return dir
				}
				return ""
			}
			got := ""
			for _, name := range l.names {
				if p, ok := systemFind(name, getenv, l); ok {
					got = p
					break
				}
			}
			want := strings.Replace(tc.want, "DIR", dir, 1)
			if got != want {
				t.Errorf("%s search of %q found %q, want %q", tc.goos, tc.files, got, want)
			}
		})
	}
}

// TestFindNamesSystemsLibrary checks that a directory given as the library
// is refused naming the file the system wants there.
func TestFindNamesSystemsLibrary(t *testing.T) {
	dir := t.TempDir()
	for goos, want := range map[string]string{"linux": "not libonnxruntime.so itself", "darwin": "not libonnxruntime.dylib itself"} {
		_, err := find(dir, func(string) string { return "" }, layoutFor(goos))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error saying %q", goos, err, want)
		}
	}
}

// TestSearchRootsOnce: the folders searched, which a refusal lists, are
// each searched once, though the binary's folders and the working folder's
// parents overlap (a binary in /tmp run from /tmp/work).
func TestSearchRootsOnce(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Dir(exe))
	roots := searchRoots()
	seen := map[string]bool{}
	for _, r := range roots {
		if seen[r] {
			t.Fatalf("%s searched twice: %q", r, roots)
		}
		seen[r] = true
	}
}

// installScript is scripts/install-onnxruntime.sh, from this package's
// folder.
const installScript = "../../scripts/install-onnxruntime.sh"

// TestInstallScriptRefuses checks the install script's refusals, which
// need no download: a system or CPU it cannot provision is named, with exit
// 2 for a value no system has and 3 for a library ONNX Runtime does not
// publish.
func TestInstallScriptRefuses(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--os", "darwin", "--arch", "x64"}, 3, "publishes no macOS x86-64 library"},
		{[]string{"--os", "windows", "--arch", "x64"}, 2, "--os must be linux or darwin, not windows"},
		{[]string{"--os", "darwin", "--arch", "riscv64"}, 2, "--arch must be x64 or arm64, not riscv64"},
		{[]string{"--arch", "riscv64", "--os", "linux"}, 2, "--arch must be x64 or arm64, not riscv64"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			prefix := filepath.Join(t.TempDir(), "ort")
			out, err := exec.Command("bash", append([]string{installScript}, append(tc.args, prefix)...)...).CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != tc.code || !strings.Contains(string(out), tc.want) {
				t.Errorf("got %v, output %q; want exit %d saying %q", err, out, tc.code, tc.want)
			}
			if _, err := os.Stat(prefix); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a refused install created %s (%v)", prefix, err)
			}
		})
	}
}

// TestInstallScriptDarwin runs the script's macOS download on any system,
// from onnxruntime-node through both checksums to a Mach-O arm64 library
// where Find looks for it on macOS. It downloads the npm package (about 120
// MB), so it runs only when FOOLTEST_TEST_INSTALL=1.
func TestInstallScriptDarwin(t *testing.T) {
	if os.Getenv("FOOLTEST_TEST_INSTALL") != "1" {
		t.Skip("downloads onnxruntime-node; set FOOLTEST_TEST_INSTALL=1 to run")
	}
	prefix := t.TempDir()
	cmd := exec.Command("bash", installScript, "--os", "darwin", "--arch", "arm64", prefix)
	cmd.Env = append(os.Environ(), "FOOLTEST_ORT_SOURCE=npm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("install: %v", err)
	}
	want := filepath.Join(prefix, "lib", layoutFor("darwin").file)
	if got := strings.TrimSpace(string(out)); got != want {
		t.Fatalf("installed at %q, want %q, where Find looks on macOS", got, want)
	}
	b, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	// A 64-bit Mach-O file starts with 0xfeedfacf, little-endian; its CPU
	// type follows, 0x0100000c for arm64.
	if len(b) < 8 || string(b[:8]) != "\xcf\xfa\xed\xfe\x0c\x00\x00\x01" {
		t.Fatalf("%s starts % x, not a Mach-O arm64 file", want, b[:min(len(b), 8)])
	}
}
