// Everything that differs between the S3 protocol and Huawei OBS's own protocol, in one table.

import { DialectName } from './types';

export interface Dialect {
  name: DialectName;
  /** Prefix of vendor headers: metadata, SSE, copy source, security token, date. */
  prefix: 'x-amz-' | 'x-obs-';
  signer: 'sigv4' | 'obs';
  /** Value of `<prefix>server-side-encryption` for SSE-KMS. */
  kmsValue: 'aws:kms' | 'kms';
  /** Value for service-managed keys (SSE-S3 / SSE-OBS). */
  serviceValue: 'AES256';
  kmsKeyIdHeader: string;
  /** OBS only: SM4 data algorithm and KMS key project. */
  kmsDataAlgorithmHeader?: string;
  kmsProjectIdHeader?: string;
  /** Append: HTTP verb and the response header with the next position (RGW vs OBS). */
  appendMethod: 'PUT' | 'POST';
  nextAppendPositionHeader: string;
  /** ListObjects version: OBS paginates with v1 markers, S3 with v2 tokens. */
  listVersion: 1 | 2;
  securityTokenHeader: string;
  metadataPrefix: string;
  copySourceHeader: string;
  metadataDirectiveHeader: string;
  /** Default addressing when the setting is `auto` and the endpoint is a host name. */
  autoAddressing: 'path' | 'virtual';
}

export const DIALECTS: Record<DialectName, Dialect> = {
  s3: {
    name: 's3',
    prefix: 'x-amz-',
    signer: 'sigv4',
    kmsValue: 'aws:kms',
    serviceValue: 'AES256',
    kmsKeyIdHeader: 'x-amz-server-side-encryption-aws-kms-key-id',
    appendMethod: 'PUT',
    nextAppendPositionHeader: 'x-rgw-next-append-position',
    listVersion: 2,
    securityTokenHeader: 'x-amz-security-token',
    metadataPrefix: 'x-amz-meta-',
    copySourceHeader: 'x-amz-copy-source',
    metadataDirectiveHeader: 'x-amz-metadata-directive',
    autoAddressing: 'path',
  },
  obs: {
    name: 'obs',
    prefix: 'x-obs-',
    signer: 'obs',
    kmsValue: 'kms',
    serviceValue: 'AES256',
    kmsKeyIdHeader: 'x-obs-server-side-encryption-kms-key-id',
    kmsDataAlgorithmHeader: 'x-obs-server-side-data-encryption',
    kmsProjectIdHeader: 'x-obs-sse-kms-key-project-id',
    appendMethod: 'POST',
    nextAppendPositionHeader: 'x-obs-next-append-position',
    listVersion: 1,
    securityTokenHeader: 'x-obs-security-token',
    metadataPrefix: 'x-obs-meta-',
    copySourceHeader: 'x-obs-copy-source',
    metadataDirectiveHeader: 'x-obs-metadata-directive',
    autoAddressing: 'virtual',
  },
};
