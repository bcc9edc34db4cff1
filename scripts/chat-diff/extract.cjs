// extract.cjs PKGDIR [TYPESCRIPT]: reads what an unpacked @botpress/chat
// package says machine-readably about the Chat API and prints it as JSON, for
// scripts/chat-diff to compare with api/chat.yaml. scripts/chat-fetch runs it.
//
// The package ships no OpenAPI document and no JSON Schema at run time (its
// signals' JSON Schemas exist as types only), so two sources are read, with
// the TypeScript compiler (the repository's devDependency, or the module
// path given as TYPESCRIPT), never by running the package's code:
//
//   - dist/index.cjs, parsed as JavaScript: for each operation of the
//     generated client, its HTTP method and the request it builds (path
//     template, and the names of the headers, query parameters, path
//     parameters and body fields it sends); and apiVersion.
//   - the declaration files: dist/gen/client/operations/<op>.d.ts, the
//     types of each operation's request (headers, query, params, body) and
//     answer; dist/gen/signals/index.d.ts, the types of the signals of the
//     event stream. Each type is written as a small JSON-Schema-like object:
//     {type, enum, nullable, properties, required, items, anyOf,
//     additionalProperties}; an `any` is {}.
//
// Output: {package, version, apiVersion, operations: {<op>: {method, path,
// sent: {headers, query, params, body}, headers, query, params, body,
// response}}, signals: {<type>: schema}}.
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

// ---- dist/index.cjs ----------------------------------------------------

function readClient(file) {
  const src = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.JS)
  const builders = new Map() // variable name -> request it builds
  const calls = [] // {op, callees, method}
  let apiVersion

  const { propName, objectProps, keys, pathOf } = syntax(ts)
  // The object an arrow function returns, from `=> ({...})` or `=> { return {...} }`.
  const returned = (fn) => {
    let body = fn.body
    while (ts.isParenthesizedExpression(body)) body = body.expression
    if (ts.isObjectLiteralExpression(body)) return body
    if (ts.isBlock(body)) {
      for (const st of body.statements) {
        if (ts.isReturnStatement(st) && st.expression) {
          let e = st.expression
          while (ts.isParenthesizedExpression(e)) e = e.expression
          if (ts.isObjectLiteralExpression(e)) return e
        }
      }
    }
    return undefined
  }

  const visit = (node) => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
      const init = node.initializer
      if (node.name.text === 'apiVersion' && ts.isStringLiteral(init)) apiVersion = init.text
      if (ts.isArrowFunction(init)) {
        const obj = returned(init)
        const props = obj && objectProps(obj)
        if (props && props.has('path') && props.has('headers') && props.has('body')) {
          builders.set(node.name.text, {
            path: pathOf(props.get('path')),
            headers: keys(props.get('headers')),
            query: keys(props.get('query')),
            params: keys(props.get('params')),
            body: keys(props.get('body')),
          })
        }
      }
    }
    // A method of the generated client: op = async (input) => { ... parseReqN(input) ... method: "get" ... }
    if (ts.isPropertyDeclaration(node) && node.initializer && ts.isArrowFunction(node.initializer) && propName(node)) {
      const callees = []
      let method
      const look = (n) => {
        if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.arguments.length === 1) callees.push(n.expression.text)
        if (ts.isPropertyAssignment(n) && propName(n) === 'method' && ts.isStringLiteral(n.initializer)) method = n.initializer.text
        ts.forEachChild(n, look)
      }
      look(node.initializer)
      if (callees.length && method) calls.push({ op: propName(node), callees, method: method.toUpperCase() })
    }
    ts.forEachChild(node, visit)
  }
  visit(src)

  const ops = {}
  for (const c of calls) {
    // The request builder it calls; the builders are all known by now.
    const name = c.callees.find((n) => builders.has(n))
    if (!name) continue // a function of something else with a method field
    const b = builders.get(name)
    if (ops[c.op]) fail(`operation ${c.op} found twice in ${file}`)
    ops[c.op] = { method: c.method, path: b.path, sent: { headers: b.headers, query: b.query, params: b.params, body: b.body } }
  }
  if (Object.keys(ops).length === 0) fail(`no operation found in ${file}: the generated client's layout has changed`)
  if (!apiVersion) fail(`no apiVersion in ${file}`)
  return { apiVersion, ops }
}

// ---- declaration files ---------------------------------------------------

function readDeclarations(dist, opNames) {
  const opsDir = path.join(dist, 'gen', 'client', 'operations')
  const signalsIndex = path.join(dist, 'gen', 'signals', 'index.d.ts')
  const opFiles = fs.readdirSync(opsDir).filter((f) => f.endsWith('.d.ts'))
  const files = [...opFiles.map((f) => path.join(opsDir, f)), signalsIndex]
  // strict: optional properties are told apart; noResolve-like settings keep
  // the package's own dependencies (zod, axios, json-schema) out: unresolved,
  // they are `any`, and no type read here uses them.
  const program = ts.createProgram(files, { strict: true, noEmit: true, skipLibCheck: true, types: [], noLib: false })
  const checker = program.getTypeChecker()
  const write = schemaWriter(ts, checker)

  const named = (sf, name) => {
    let found
    ts.forEachChild(sf, (n) => {
      if ((ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)) && n.name.text === name) found = n
    })
    return found && write(checker.getTypeAtLocation(found.name), 0)
  }

  const ops = {}
  for (const f of opFiles) {
    const op = f.replace(/\.d\.ts$/, '')
    const sf = program.getSourceFile(path.join(opsDir, f))
    const P = op[0].toUpperCase() + op.slice(1)
    const parts = {}
    for (const [key, suffix] of [['headers', 'RequestHeaders'], ['query', 'RequestQuery'], ['params', 'RequestParams'], ['body', 'RequestBody'], ['response', 'Response']]) {
      parts[key] = named(sf, P + suffix)
      if (!parts[key]) fail(`${f} declares no ${P + suffix}`)
    }
    ops[op] = parts
  }
  for (const op of opNames) if (!ops[op]) fail(`dist/index.cjs calls ${op}, which has no declaration file`)

  const signals = {}
  const types = named(program.getSourceFile(signalsIndex), 'Types')
  if (!types) fail('dist/gen/signals/index.d.ts declares no Types')
  for (const [name, s] of Object.entries(types.properties)) {
    const t = s.properties && s.properties.type
    if (!t || !t.enum || t.enum.length !== 1) fail(`signal ${name} has no single type`)
    signals[t.enum[0]] = s
  }
  return { ops, signals }
}

// ---- main ----------------------------------------------------------------

const dist = path.join(pkgDir, 'dist')
const client = readClient(path.join(dist, 'index.cjs'))
const decl = readDeclarations(dist, Object.keys(client.ops))
const operations = {}
for (const op of Object.keys(decl.ops).sort()) {
  if (!client.ops[op]) fail(`${op} has a declaration file but dist/index.cjs does not call it`)
  operations[op] = { ...client.ops[op], ...decl.ops[op] }
}
process.stdout.write(
  JSON.stringify({ package: pkg.name, version: pkg.version, apiVersion: client.apiVersion, operations, signals: decl.signals }, null, 2) + '\n'
)
