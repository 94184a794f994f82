// The storage floor's one door: code outside src/storage imports from here and nowhere deeper (lint and
// test/unit/architecture.test.ts check that). src/objects uses the client and the transfer engine; adapters and
// commands (src/vscode, src/commands) may take only types and errors from here.

export { StorageClient } from './client/storageClient';
export type { CompleteOptions } from './client/multipart';
export { StorageError, isStorageError } from './errors';
export type { StorageErrorCode } from './errors';
export { keyFingerprint } from './digest';
export { SSE_C_KEY_BYTES } from './sse';
export { describeEncryption, encryptionMatches, sameKmsKey } from './verifyEncryption';
export { quoteEtag, sameEtag, unquoteEtag } from './conditions';
export type { ServerProfile, ServerQuirks, QuirkName } from './profile';
export * from './types';
export * from './transfer';
export { presignGet, MAX_PRESIGN_SECONDS, type PresignedGet } from './signing/presign';
