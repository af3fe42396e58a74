import { join, resolve } from "node:path";
import ts from "typescript";

const ROOT = resolve(__dirname, "..", "..");

/**
 * The names the package's index exports, and every type of this repository that a public signature
 * names (a prop's type, a parameter's, a return type, a public property's, a base class) without
 * the index exporting it: what a consumer would meet and could not import.
 */
export function publicTypes(index = join(ROOT, "constructs", "index.ts")): { exported: string[]; unexported: string[] } {
  const program = ts.createProgram([index], {
    strict: true,
    skipLibCheck: true,
    esModuleInterop: true,
    resolveJsonModule: true,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    target: ts.ScriptTarget.ES2022,
  });
  const checker = program.getTypeChecker();
  const unalias = (symbol: ts.Symbol) => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(index)!)!);
  const exported = new Set(exports.map(unalias));
  const unexported = new Set<string>();
  const walked = new Set<ts.Symbol>();
  const ours = (symbol: ts.Symbol) => symbol.declarations?.some((d) => !d.getSourceFile().fileName.includes("node_modules") && d.getSourceFile().fileName.startsWith(ROOT));

  function types(node: ts.Node | undefined): void {
    if (!node) return;
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node) || ts.isTypeQueryNode(node)) {
      const name = ts.isTypeReferenceNode(node) ? node.typeName : ts.isTypeQueryNode(node) ? node.exprName : node.expression;
      const found = checker.getSymbolAtLocation(name);
      const symbol = found && unalias(found);
      if (symbol && ours(symbol) && !(symbol.flags & ts.SymbolFlags.TypeParameter)) {
        if (exported.has(symbol)) walk(symbol);
        else unexported.add(symbol.name);
      }
    }
    ts.forEachChild(node, types);
  }
  // Signatures only: what a member takes and gives, never the code inside it.
  function member(node: ts.Node): void {
    const flags = ts.getCombinedModifierFlags(node as ts.Declaration);
    if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return;
    if (ts.isPropertyDeclaration(node) || ts.isPropertySignature(node) || ts.isGetAccessor(node)) types(node.type);
    if (ts.isMethodDeclaration(node) || ts.isMethodSignature(node) || ts.isConstructorDeclaration(node) || ts.isFunctionDeclaration(node)) {
      node.parameters.forEach((p) => types(p.type));
      types(node.type);
    }
  }
  function walk(symbol: ts.Symbol): void {
    if (walked.has(symbol)) return;
    walked.add(symbol);
    for (const decl of symbol.declarations ?? []) {
      if (ts.isClassDeclaration(decl) || ts.isInterfaceDeclaration(decl)) {
        decl.heritageClauses?.forEach(types);
        decl.members.forEach(member);
      } else if (ts.isTypeAliasDeclaration(decl)) types(decl.type);
      else member(decl);
    }
  }
  exported.forEach(walk);
  return { exported: exports.map((s) => s.name).sort(), unexported: [...unexported].sort() };
}
