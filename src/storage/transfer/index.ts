// The transfer layer: multipart upload, parallel download, server-side copy with a verified streamed fallback,
// conditional save. Built on the storage client's public methods only; no `vscode`.

export { ByteCounter } from './memory';
export { uploadObject, choosePartSize, MIN_PART_SIZE, MAX_PARTS, DEFAULT_PART_SIZE, DEFAULT_MULTIPART_THRESHOLD, DEFAULT_CONCURRENCY } from './upload';
export { downloadObject, downloadToFile, Download, DEFAULT_PARALLEL_THRESHOLD, DEFAULT_RANGE_SIZE } from './download';
export { copyWithFallback, DEFAULT_MULTIPART_COPY_THRESHOLD, DEFAULT_COPY_PART_SIZE } from './copyWithFallback';
export { saveObject, SaveOptions } from './save';
export * from './transferTypes';
