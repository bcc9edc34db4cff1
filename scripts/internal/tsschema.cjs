// tsschema.cjs: writes TypeScript types, as the TypeScript compiler's type
// checker sees them, in the small JSON-Schema-like form that
// scripts/internal/tsdiff compares with our OpenAPI schemas: {type, enum,
// nullable, properties, required, items, anyOf, additionalProperties}; an
// `any` is {}. Shared by the extract scripts of chat-diff and client-diff.
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


module.exports = { schemaWriter, fail }
