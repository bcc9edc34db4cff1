// Spectral function behind the "documented" rule of .spectral.yaml: every
// operation, every inline parameter and every inline property (one that is
// not a bare $ref) must have a non-empty description, in api/openapi.yaml and
// in every section file it refers to.
//
// Why a function instead of a JSONPath `given`: Spectral's rules see either
// the unresolved entry file alone (resolved: false: the section files are
// never visited) or the resolved document (resolved: true: a property that
// is a $ref has been replaced by its target, so "is it a $ref?" can no longer
// be asked, and Spectral 6 maps some resolved locations back to the wrong
// line: after a path item whose path holds a {parameter}, it loses track of
// the $refs inside). So this function reads the unresolved text of every
// document Spectral loaded, finds what lacks a description there, and works
// out for each finding a path in the resolved document that Spectral maps
// back to that very node, checking the mapping before using it. A finding it
// cannot place exactly is still reported, at the nearest place found, with
// its file and JSON pointer in the message.

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function isObject(x) {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function described(node) {
  return typeof node.description === 'string' && node.description.trim() !== '';
}

function at(data, path) {
  let n = data;
  for (const seg of path) {
    if (n === null || typeof n !== 'object') return undefined;
    n = n[seg];
  }
  return n;
}

function samePath(a, b) {
  return a.length === b.length && a.every((seg, i) => String(seg) === String(b[i]));
}

function isPrefix(prefix, path) {
  return prefix.length <= path.length && prefix.every((seg, i) => String(seg) === String(path[i]));
}

// resolveFile joins a relative file reference to the directory of an
// absolute POSIX source path.
function resolveFile(source, file) {
  if (file.startsWith('/')) return file;
  const parts = source.split('/').slice(0, -1);
  for (const part of file.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.' && part !== '') parts.push(part);
  }
  return parts.join('/');
}

// target returns the document and path a $ref found in source points to.
function target(source, ref) {
  const hash = ref.indexOf('#');
  const file = hash < 0 ? ref : ref.slice(0, hash);
  const pointer = hash < 0 ? '' : ref.slice(hash + 1);
  const path = pointer === '' ? [] : pointer.replace(/^\//, '').split('/').map(seg => {
    let s = seg;
    try {
      s = decodeURIComponent(s);
    } catch (e) {
      // keep the segment as written
    }
    return s.replace(/~1/g, '/').replace(/~0/g, '~');
  });
  return { source: file === '' ? source : resolveFile(source, file), path };
}

// findings lists what lacks a description in one document's data.
function findings(source, data) {
  const out = [];
  const walk = (node, path) => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => walk(v, [...path, i]));
      return;
    }
    if (!isObject(node)) return;
    if (isObject(node.properties)) {
      for (const [name, prop] of Object.entries(node.properties)) {
        if (isObject(prop) && !('$ref' in prop) && !described(prop)) {
          out.push({ source, path: [...path, 'properties', name], what: `Property "${name}"` });
        }
      }
    }
    if (Array.isArray(node.parameters)) {
      node.parameters.forEach((param, i) => {
        if (isObject(param) && !('$ref' in param) && !described(param)) {
          out.push({ source, path: [...path, 'parameters', i], what: `Parameter "${param.name}"` });
        }
      });
    }
    for (const [key, value] of Object.entries(node)) {
      // A properties map is not a schema: go straight to each property's
      // schema, so that a property named "properties" is not read as the
      // map of another schema.
      if (key === 'properties' && isObject(value)) {
        for (const [name, prop] of Object.entries(value)) walk(prop, [...path, key, name]);
        continue;
      }
      walk(value, [...path, key]);
    }
  };
  walk(data, []);
  if (isObject(data.paths)) {
    for (const [p, item] of Object.entries(data.paths)) {
      if (!isObject(item) || '$ref' in item) continue;
      for (const method of METHODS) {
        const op = item[method];
        if (isObject(op) && !described(op)) {
          out.push({ source, path: ['paths', p, method], what: `Operation ${method.toUpperCase()} ${p}` });
        }
      }
    }
  }
  return out;
}

export default function documented(input, options, context) {
  const inventory = context.documentInventory;
  const root = context.document;
  const docs = new Map([[root.source, root.data]]);
  for (const [source, doc] of Object.entries(inventory.referencedDocuments)) {
    if (!docs.has(source)) docs.set(source, doc.data);
  }
  const maps = (route, source, path) => {
    const item = inventory.findAssociatedItemForPath(route, true);
    return item !== null && item.document.source === source && samePath(item.path, path);
  };

  // Anchors: nodes of some document together with a route, a path in the
  // resolved document that leads to them. The entry file's root is the first
  // anchor; the target of every $ref met under an anchor becomes one in
  // turn. An anchor is exact when Spectral maps its route back to it. Exact
  // routes are all explored first; a target that none reaches exactly then
  // gets the first route met, marked inexact (Spectral will place it at the
  // $ref that leads there).
  const anchors = new Map(); // source -> [{path, route, inexact}]
  const key = (source, path) => source + '#' + JSON.stringify(path.map(String));
  const seen = new Set();
  const exact = [];
  const pending = new Map(); // key -> first inexact anchor met
  const addAnchor = a => {
    seen.add(key(a.source, a.path));
    pending.delete(key(a.source, a.path));
    if (!anchors.has(a.source)) anchors.set(a.source, []);
    anchors.get(a.source).push(a);
  };
  const explore = anchor => {
    const data = docs.get(anchor.source);
    const walk = (node, rel) => {
      if (Array.isArray(node)) {
        node.forEach((v, i) => walk(v, [...rel, i]));
        return;
      }
      if (!isObject(node)) return;
      if (typeof node.$ref === 'string') {
        const t = target(anchor.source, node.$ref);
        const k = key(t.source, t.path);
        if (seen.has(k) || !docs.has(t.source)) return;
        const a = { source: t.source, path: t.path, route: [...anchor.route, ...rel] };
        if (!anchor.inexact && maps(a.route, a.source, a.path)) {
          addAnchor(a);
          exact.push(a);
        } else if (!pending.has(k)) {
          pending.set(k, { ...a, inexact: true });
        }
        return;
      }
      for (const [k, v] of Object.entries(node)) walk(v, [...rel, k]);
    };
    walk(data === undefined ? undefined : at(data, anchor.path), []);
  };
  const first = { source: root.source, path: [], route: [] };
  addAnchor(first);
  exact.push(first);
  for (;;) {
    if (exact.length > 0) {
      explore(exact.shift());
    } else if (pending.size > 0) {
      const a = pending.values().next().value;
      addAnchor(a);
      explore(a);
    } else {
      break;
    }
  }

  const results = [];
  for (const [source, data] of docs) {
    for (const f of findings(source, data)) {
      // The anchor deepest above the finding, exact ones first.
      let best = null;
      for (const a of anchors.get(source) || []) {
        if (!isPrefix(a.path, f.path)) continue;
        if (best === null || (best.inexact && !a.inexact) || (!!best.inexact === !!a.inexact && a.path.length > best.path.length)) {
          best = a;
        }
      }
      const route = best === null ? [] : [...best.route, ...f.path.slice(best.path.length)];
      let message = `${f.what} has no description.`;
      if (best === null || !maps(route, source, f.path)) {
        const pointer = '/' + f.path.map(seg => String(seg).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
        const file = source.split('/').slice(-2).join('/');
        message = `${f.what} has no description (${file}#${pointer}).`;
      }
      results.push({ message, path: route });
    }
  }
  return results;
}
