import ts from 'typescript';

/**
 * Which exports the code takes from each `import('<specifier>')` in one source file (TypeScript or the
 * JavaScript of a dependency), found in the syntax tree. The shapes it reads:
 *   import('x').then(({ A, B }) => …)         import('x').then((m) => m.A …)
 *   const { A, default: b } = await import('x')
 *   (await import('x')).A                      new (await import('x')).A(…)
 *   const m = await import('x'); … m.A …       (every `m.<name>` in the enclosing function)
 * Any other use is returned as `unknown`, with its line: the check cannot vouch for it.
 */
export interface LazyImportUse {
  readonly specifier: string;
  readonly line: number;
  /** The export names used; undefined when the shape is not one of the above. */
  readonly names?: readonly string[];
}

export function lazyImportUses(fileName: string, text: string): LazyImportUse[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const uses: LazyImportUse[] = [];
  const visit = (node: ts.Node) => {
    if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      const names = namesUsed(node);
      uses.push({ specifier: node.arguments[0].text, line, ...(names && { names }) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return uses;
}

function namesUsed(call: ts.CallExpression): string[] | undefined {
  const parent = skipParentheses(call.parent);
  // import('x').then(({ A }) => …) / .then((m) => m.A)
  if (ts.isPropertyAccessExpression(parent) && parent.name.text === 'then' && parent.expression === call) {
    const callback = (parent.parent as ts.CallExpression).arguments?.[0];
    if (callback && (ts.isArrowFunction(callback) || ts.isFunctionExpression(callback))) {
      const parameter = callback.parameters[0];
      if (!parameter) return [];
      return fromBinding(parameter.name, callback.body);
    }
    return undefined;
  }
  if (!ts.isAwaitExpression(parent)) return undefined;
  const awaited = skipParentheses(parent.parent);
  // (await import('x')).A
  if (ts.isPropertyAccessExpression(awaited)) return [awaited.name.text];
  // const { A } = await import('x') / const m = await import('x')
  if (ts.isVariableDeclaration(awaited)) return fromBinding(awaited.name, enclosingScope(awaited));
  return undefined;
}

function fromBinding(name: ts.BindingName, scope: ts.Node): string[] | undefined {
  if (ts.isObjectBindingPattern(name)) {
    const names: string[] = [];
    for (const element of name.elements) {
      if (element.dotDotDotToken) return undefined;
      const property = element.propertyName ?? element.name;
      if (!ts.isIdentifier(property) && !ts.isStringLiteral(property)) return undefined;
      names.push(property.text);
    }
    return names;
  }
  if (!ts.isIdentifier(name)) return undefined;
  const names = new Set<string>();
  let other = false;
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node) && node.text === name.text && node !== name) {
      const use = node.parent;
      if (ts.isPropertyAccessExpression(use) && use.expression === node) names.add(use.name.text);
      else other = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(scope);
  return other ? undefined : [...names];
}

function skipParentheses(node: ts.Node): ts.Node {
  let current = node;
  while (ts.isParenthesizedExpression(current)) current = current.parent;
  return current;
}

function enclosingScope(node: ts.Node): ts.Node {
  let current = node.parent;
  while (current && !ts.isFunctionLike(current) && !ts.isSourceFile(current)) current = current.parent;
  return current ?? node.getSourceFile();
}
