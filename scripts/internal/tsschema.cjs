// tsschema.cjs: writes TypeScript types, as the TypeScript compiler's type
// checker sees them, in the small JSON-Schema-like form that
// scripts/internal/tsdiff compares with our OpenAPI schemas: {type, enum,
// nullable, properties, required, items, anyOf, additionalProperties}; an
// `any` is {}. Shared by the extract scripts of chat-diff and client-diff,
// with the reading of a generated client's code (syntax).
'use strict'

const fail = (msg) => {
  throw new Error(`extract: ${msg}`)
}

function schemaWriter(ts, checker) {
  const F = ts.TypeFlags
  const write = (type, depth) => {
    if (depth > 30) fail('types nested too deep')
    const f = type.flags
    if (f & (F.Any | F.Unknown)) return {}
    if (f & F.Null) return { type: 'null' }
    if (f & F.StringLiteral) return { type: 'string', enum: [type.value] }
    if (f & F.NumberLiteral) return { type: 'number', enum: [type.value] }
    if (f & F.BooleanLiteral) return { type: 'boolean', enum: [checker.typeToString(type) === 'true'] }
    if (f & F.String) return { type: 'string' }
    if (f & F.Number) return { type: 'number' }
    if (f & F.Boolean) return { type: 'boolean' }
    if (type.isUnion()) {
      let parts = type.types.filter((t) => !(t.flags & (F.Undefined | F.Void)))
      const nullable = parts.some((t) => t.flags & F.Null)
      parts = parts.filter((t) => !(t.flags & F.Null))
      if (parts.some((t) => t.flags & (F.Any | F.Unknown))) return {}
      let out
      if (parts.length > 1 && parts.every((t) => t.flags & F.BooleanLiteral)) out = { type: 'boolean' }
      else if (parts.every((t) => t.flags & F.StringLiteral)) out = { type: 'string', enum: parts.map((t) => t.value).sort() }
      else if (parts.length === 1) out = write(parts[0], depth + 1)
      else out = { anyOf: parts.map((t) => write(t, depth + 1)) }
      if (nullable) out.nullable = true
      return out
    }
    if (checker.isArrayType(type)) return { type: 'array', items: write(checker.getTypeArguments(type)[0], depth + 1) }
    if (f & F.Object) {
      const out = { type: 'object', properties: {}, required: [] }
      for (const sym of checker.getPropertiesOfType(type)) {
        const decl = sym.valueDeclaration || (sym.declarations && sym.declarations[0])
        const t = decl ? checker.getTypeOfSymbolAtLocation(sym, decl) : checker.getTypeOfSymbol(sym)
        out.properties[sym.name] = write(t, depth + 1)
        if (!(sym.flags & ts.SymbolFlags.Optional)) out.required.push(sym.name)
      }
      out.required.sort()
      const index = checker.getIndexInfoOfType(type, ts.IndexKind.String)
      if (index) out.additionalProperties = write(index.type, depth + 1)
      return out
    }
    fail(`a type the extractor does not know: ${checker.typeToString(type)}`)
  }
  return write
}


// syntax reads the pieces of a generated client's code that both extract
// scripts look for: property names, object literals, and request paths.
function syntax(ts) {
  const propName = (p) => (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined)
  const objectProps = (obj) => {
    const out = new Map()
    for (const p of obj.properties) {
      const name = propName(p)
      if (name !== undefined && ts.isPropertyAssignment(p)) out.set(name, p.initializer)
    }
    return out
  }
  const keys = (node) => (node && ts.isObjectLiteralExpression(node) ? [...objectProps(node).keys()] : fail('not an object literal'))
  // `/users/${encodeURIComponent(input['id'])}/listen` -> /users/{id}/listen
  const pathOf = (node) => {
    if (ts.isNoSubstitutionTemplateLiteral(node) || ts.isStringLiteral(node)) return node.text
    if (!ts.isTemplateExpression(node)) fail('a request path is not a template')
    let out = node.head.text
    for (const span of node.templateSpans) {
      let e = span.expression
      if (ts.isCallExpression(e) && e.arguments.length === 1) e = e.arguments[0]
      if (!ts.isElementAccessExpression(e) || !ts.isStringLiteral(e.argumentExpression)) fail("a path parameter is not input['name']")
      out += `{${e.argumentExpression.text}}` + span.literal.text
    }
    return out
  }
  return { propName, objectProps, keys, pathOf }
}

module.exports = { schemaWriter, syntax, fail }
