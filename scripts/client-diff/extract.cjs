// extract.cjs PKGDIR [TYPESCRIPT]: reads what an unpacked @botpress/client
// package declares about the Botpress API, operation by operation, and prints
// it as JSON for scripts/client-diff to compare with api/openapi.yaml.
// scripts/client-fetch runs it.
//
// The package is built from generated TypeScript, one file per operation,
// whose text it ships in its source map (dist/index.cjs.map, sourcesContent):
// src/gen/public/operations/<op>.ts for the Botpress API and
// src/gen/billing/operations/<op>.ts for the billing API. Each declares the
// operation's request (RequestHeaders, RequestQuery, RequestParams,
// RequestBody: the interfaces that dist/index.d.ts bundles into ClientInputs)
// and its Response (ClientOutputs), and builds the request in parseReq (path
// template, and the names put in each part). The generated clients
// (src/gen/{public,billing}/index.ts) give each operation's HTTP method and
// the apiVersion of the definitions the package was built from. Everything is
// read with the TypeScript compiler (the repository's devDependency, or the
// module path given as TYPESCRIPT), never run; the operations found are
// checked against those dist/index.d.ts declares.
//
// Output: {package, version, apiVersion, operations: {<op>: {api, method,
// path, sent: {headers, query, params, body}, headers, query, params, body,
// response}}}, each type in scripts/internal/tsschema.cjs's form.
'use strict'
const fs = require('fs')
const path = require('path')

const [pkgDir, tsPath] = process.argv.slice(2)
if (!pkgDir) {
  console.error('usage: extract.cjs PKGDIR [TYPESCRIPT]')
  process.exit(2)
}
const ts = require(tsPath || path.join(__dirname, '..', '..', 'node_modules', 'typescript'))
const { schemaWriter, syntax, fail } = require('../internal/tsschema.cjs')

const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'))
const dist = path.join(pkgDir, 'dist')

// The APIs read, by the folder of their generated client.
const apis = { public: 'botpress', billing: 'billing' }

// ---- the sources, from the source map -------------------------------------

const map = JSON.parse(fs.readFileSync(path.join(dist, 'index.cjs.map'), 'utf8'))
if (!Array.isArray(map.sourcesContent)) fail('dist/index.cjs.map carries no sourcesContent')
const sources = new Map() // virtual path -> text
map.sources.forEach((s, i) => {
  const m = /(?:^|\/)src\/gen\/(\w+)\/(index|operations\/\w+)\.ts$/.exec(s)
  if (m && apis[m[1]] && typeof map.sourcesContent[i] === 'string') sources.set(`/pkg/${m[1]}/${m[2]}.ts`, map.sourcesContent[i])
})

// ---- the compiler, over the virtual files ----------------------------------

const options = { strict: true, noEmit: true, skipLibCheck: true, types: [], noResolve: true, target: ts.ScriptTarget.ES2020 }
const host = ts.createCompilerHost(options)
const realGet = host.getSourceFile.bind(host)
host.getSourceFile = (name, lang) =>
  sources.has(name) ? ts.createSourceFile(name, sources.get(name), lang, true) : realGet(name, lang)
host.fileExists = ((real) => (name) => sources.has(name) || real(name))(host.fileExists.bind(host))
host.readFile = ((real) => (name) => (sources.has(name) ? sources.get(name) : real(name)))(host.readFile.bind(host))
const opFiles = [...sources.keys()].filter((f) => f.includes('/operations/'))
const program = ts.createProgram(opFiles, options, host)
const checker = program.getTypeChecker()
const write = schemaWriter(ts, checker)

const { propName, objectProps, keys, pathOf } = syntax(ts)

// What parseReq returns: {path, headers, query, params, body}.
function readParseReq(sf) {
  let found
  const visit = (n) => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === 'parseReq' && n.initializer && ts.isArrowFunction(n.initializer)) {
      const fn = n.initializer
      let obj
      if (ts.isBlock(fn.body)) {
        for (const st of fn.body.statements) if (ts.isReturnStatement(st) && st.expression) obj = st.expression
      } else obj = fn.body
      while (obj && ts.isParenthesizedExpression(obj)) obj = obj.expression
      if (obj && ts.isObjectLiteralExpression(obj)) found = objectProps(obj)
    }
    ts.forEachChild(n, visit)
  }
  visit(sf)
  if (!found || !found.has('path')) fail(`${sf.fileName} has no parseReq returning a request`)
  return {
    path: pathOf(found.get('path')),
    sent: { headers: keys(found.get('headers')), query: keys(found.get('query')), params: keys(found.get('params')), body: keys(found.get('body')) },
  }
}

// The HTTP method of each operation of a generated client:
// `public readonly op = async (...) => { ... method: "post", ... }`.
function readMethods(api) {
  const file = `/pkg/${api}/index.ts`
  const text = sources.get(file) || fail(`the source map lacks src/gen/${api}/index.ts`)
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const methods = {}
  let apiVersion
  const visit = (n) => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === 'apiVersion' && n.initializer && ts.isStringLiteral(n.initializer)) {
      apiVersion = n.initializer.text
    }
    if (ts.isPropertyDeclaration(n) && n.initializer && ts.isArrowFunction(n.initializer) && propName(n)) {
      let method
      const look = (m) => {
        if (ts.isPropertyAssignment(m) && propName(m) === 'method' && ts.isStringLiteral(m.initializer)) method = m.initializer.text
        ts.forEachChild(m, look)
      }
      look(n.initializer)
      if (method) methods[propName(n)] = method.toUpperCase()
    }
    ts.forEachChild(n, visit)
  }
  visit(sf)
  if (!apiVersion) fail(`no apiVersion in src/gen/${api}/index.ts`)
  return { methods, apiVersion }
}

// The operations dist/index.d.ts declares: `readonly op: (input: OpInput) => Promise<...>`.
function declaredOperations() {
  const text = fs.readFileSync(path.join(dist, 'index.d.ts'), 'utf8')
  const out = new Set()
  for (const m of text.matchAll(/readonly (\w+): \(input: (\w+?)Input(?:\$\d+)?\) => Promise</g)) {
    if (m[2].toLowerCase() === m[1].toLowerCase()) out.add(m[1])
  }
  return out
}

// ---- main ------------------------------------------------------------------

const operations = {}
const versions = new Set()
const declared = declaredOperations()
for (const api of Object.keys(apis)) {
  const { methods, apiVersion } = readMethods(api)
  versions.add(apiVersion)
  for (const file of opFiles.filter((f) => f.startsWith(`/pkg/${api}/operations/`)).sort()) {
    const op = path.basename(file, '.ts')
    if (operations[op]) fail(`operation ${op} is in two APIs`)
    if (!methods[op]) fail(`src/gen/${api}/index.ts does not call ${op}`)
    const sf = program.getSourceFile(file)
    // The declarations of the file, by name: <Op>RequestHeaders ... <Op>Response,
    // where <Op> is the operation's name as the generator capitalised it
    // (changeAISpendQuota: ChangeAispendQuota).
    const decls = new Map()
    ts.forEachChild(sf, (n) => {
      if (ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)) decls.set(n.name.text, n)
    })
    const P = [...decls.keys()].find((n) => n.endsWith('RequestHeaders') && n.toLowerCase() === op.toLowerCase() + 'requestheaders')
    if (!P) fail(`${op}.ts declares no <Op>RequestHeaders`)
    const prefix = P.slice(0, -'RequestHeaders'.length)
    const named = (suffix) => {
      const found = decls.get(prefix + suffix)
      return found ? write(checker.getTypeAtLocation(found.name), 0) : fail(`${op}.ts declares no ${prefix + suffix}`)
    }
    const req = readParseReq(sf)
    operations[op] = {
      api: apis[api],
      method: methods[op],
      path: req.path,
      sent: req.sent,
      headers: named('RequestHeaders'),
      query: named('RequestQuery'),
      params: named('RequestParams'),
      body: named('RequestBody'),
      response: named('Response'),
    }
  }
  for (const op of Object.keys(methods)) if (!operations[op]) fail(`src/gen/${api}/index.ts calls ${op}, which has no operation file`)
}
if (Object.keys(operations).length === 0) fail('no operation found: the package layout has changed')
for (const op of Object.keys(operations)) if (!declared.has(op)) fail(`dist/index.d.ts does not declare ${op}`)
if (versions.size !== 1) fail(`the generated clients were built from several definitions: ${[...versions].join(', ')}`)

const sorted = {}
for (const op of Object.keys(operations).sort()) sorted[op] = operations[op]
process.stdout.write(JSON.stringify({ package: pkg.name, version: pkg.version, apiVersion: [...versions][0], operations: sorted }, null, 2) + '\n')
