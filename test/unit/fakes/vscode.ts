// The slice of the `vscode` module that pure adapter code touches in unit tests: its Uri class, which is
// the same implementation VS Code ships (npm vscode-uri).
export { URI as Uri } from 'vscode-uri';
