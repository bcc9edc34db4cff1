package api_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// camelWords splits a name into its camel-case words the way oapi-codegen's
// ToCamelCaseWithInitialisms does: a run of capitals (or digits) and the
// lower-case letters after it. "ParticipantIDs" is Participant, IDs;
// "XBotID" is XBot, ID; "Rapid" is one word.
var camelWords = regexp.MustCompile(`[\p{Lu}\d]+([\p{Ll}\d]+|$)`)

// badLastWords are initialisms written as ordinary words. The generators
// are configured to write them in capitals (ID, URL, JSON, API, and IDs
// through additional-initialisms).
var badLastWords = map[string]string{"Ids": "IDs", "Id": "ID", "Url": "URL", "Json": "JSON", "Api": "API"}

// lastWord is the last camel-case word of name, or of its last
// underscore-separated part (gen.Bot_User_Tags: Tags).
func lastWord(name string) string {
	if i := strings.LastIndexByte(name, '_'); i >= 0 {
		name = name[i+1:]
	}
	words := camelWords.FindAllString(name, -1)
	if len(words) == 0 {
		return ""
	}
	return words[len(words)-1]
}

func TestLastWord(t *testing.T) {
	for name, want := range map[string]string{
		"ParticipantIds": "Ids", "ParticipantIDs": "IDs", "XBotID": "ID", "GetBotJSON": "JSON", "Rapid": "Rapid",
		"Bot_User_Tags": "Tags", "Bot_Id": "Id", "WebhookUrl": "Url", "CreateBotApi": "Api", "ID": "ID", "Ids": "Ids",
		"Status2xx": "Status2xx", "JSON200": "JSON200",
	} {
		assert.Equal(t, want, lastWord(name), name)
	}
}

// generatedFiles lists the module's Go files that carry the "Code
// generated ... DO NOT EDIT." header.
func generatedFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != ".." && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments|parser.PackageClauseOnly)
		if err != nil {
			return err
		}
		if ast.IsGenerated(f) {
			out = append(out, path)
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

// badIdentifiers parses one Go file and lists its exported identifiers
// (types, fields, methods, functions, constants, variables, interface
// methods) whose last word is an initialism written as a word, with where
// they are; it also counts the exported identifiers it looked at.
func badIdentifiers(path string, src any) (bad []string, checked int, err error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, 0, err
	}
	check := func(id *ast.Ident) {
		if id == nil || !id.IsExported() {
			return
		}
		checked++
		if want, ok := badLastWords[lastWord(id.Name)]; ok {
			bad = append(bad, fmt.Sprintf("%s: %s (%s, not %s)", fset.Position(id.Pos()), id.Name, lastWord(id.Name), want))
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.TypeSpec:
			check(x.Name)
		case *ast.FuncDecl:
			check(x.Name)
		case *ast.ValueSpec:
			for _, id := range x.Names {
				check(id)
			}
		case *ast.Field: // struct fields and interface methods
			for _, id := range x.Names {
				check(id)
			}
		}
		return true
	})
	return bad, checked, nil
}

func TestBadIdentifiers(t *testing.T) {
	src := `package p
type ParticipantIds []string
type Rapid struct {
	WebhookUrl string
	webhookUrl string
	IDs, Valid []string
	Inner struct{ OwnerId string }
}
type API interface{ GetBotJson() }
func (Rapid) CreateApi() {}
func NewID() {}
const StatusId = 1
var DocsURL, PlainJson = "", ""
`
	bad, checked, err := badIdentifiers("p.go", src)
	require.NoError(t, err)
	var names []string
	for _, b := range bad {
		names = append(names, strings.Fields(b)[1])
	}
	assert.Equal(t, []string{"ParticipantIds", "WebhookUrl", "OwnerId", "GetBotJson", "CreateApi", "StatusId", "PlainJson"}, names)
	assert.Equal(t, 14, checked)
}

// TestGeneratedInitialisms parses every generated Go file of the module
// and fails on an exported identifier whose last word is Ids, Id, Url, Json
// or Api: generated names follow one rule, the Go one (XBotID, GetBotJSON,
// ParticipantIDs). The cure is the additional-initialisms list of the
// oapi-codegen configurations.
func TestGeneratedInitialisms(t *testing.T) {
	files := generatedFiles(t)
	// gen/botpress.gen.go, gen/server.gen.go, client/operations.gen.go,
	// bptest/canned.gen.go.
	require.GreaterOrEqual(t, len(files), 4, "generated files found: %v", files)
	total := 0
	for _, path := range files {
		bad, checked, err := badIdentifiers(path, nil)
		require.NoError(t, err)
		total += checked
		assert.Empty(t, bad, "initialisms written as words; add them to additional-initialisms in the oapi-codegen configurations")
	}
	assert.Greater(t, total, 1000, "exported identifiers checked")
}
