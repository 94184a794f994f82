// The storage client: one method per wire operation. The work is done in client/*.ts over one Transport.

import { DIALECTS } from './dialect';
import { Transport } from './transport';
import * as buckets from './client/buckets';
import * as objects from './client/objects';
import {
  BucketInfo, ConnectionConfig, DeleteOptions, GetResult, ListOptions, ListPage, ObjectHead, PutResult, ReadOptions,
  RequestOptions, WriteOptions,
} from './types';

export class StorageClient {
  private readonly transport: Transport;
  private disposed = false;

  constructor(readonly config: ConnectionConfig) {
    // `auto` resolves to S3 until the OBS probe runs (see resolveDialect).
    const dialect = config.dialect === 'obs' ? DIALECTS.obs : DIALECTS.s3;
    this.transport = new Transport(config, dialect);
  }

  /** The dialect in use. */
  get dialect(): 's3' | 'obs' {
    return this.transport.dialect.name;
  }

  listBuckets(opts?: RequestOptions): Promise<BucketInfo[]> {
    return buckets.listBuckets(this.transport, opts);
  }

  listObjects(bucket: string, opts: ListOptions): Promise<ListPage> {
    return buckets.listObjects(this.transport, bucket, opts);
  }

  headObject(bucket: string, key: string, opts?: ReadOptions): Promise<ObjectHead> {
    return objects.headObject(this.transport, bucket, key, opts);
  }

  getObject(bucket: string, key: string, opts?: ReadOptions): Promise<GetResult> {
    return objects.getObject(this.transport, bucket, key, opts);
  }

  putObject(bucket: string, key: string, body: Uint8Array, opts?: WriteOptions): Promise<PutResult> {
    return objects.putObject(this.transport, bucket, key, body, opts);
  }

  deleteObject(bucket: string, key: string, opts?: DeleteOptions): Promise<void> {
    return objects.deleteObject(this.transport, bucket, key, opts);
  }

  async dispose(): Promise<void> {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    await this.transport.close();
  }
}
