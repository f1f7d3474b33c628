import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { startMongo, withDatabase } from './mongo.js';

describe('startMongo', () => {
  it('starts FerretDB (or uses MONGO_URL) and the mongodb driver inserts and finds a document', async () => {
    const mongo = await startMongo();
    const client = new MongoClient(mongo.url, { serverSelectionTimeoutMS: 10_000 });
    try {
      await client.connect();
      const collection = client.db().collection<{ _id: string; n: number }>('items');
      expect(client.db().databaseName).toBe(mongo.dbName);
      await collection.insertOne({ _id: 'a', n: 1 });
      expect(await collection.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 1 });
    } finally {
      await client.close();
      await mongo.stop();
    }
  });

  it.skipIf(process.env['MONGO_URL'])(
    'kills the server keeping its data, and restarts it on the same URL',
    async () => {
      const mongo = await startMongo();
      try {
        const write = new MongoClient(mongo.url);
        await write
          .db()
          .collection('items')
          .insertOne({ _id: 'kept' as never });
        await write.close();
        await mongo.kill();
        const down = new MongoClient(mongo.url, { serverSelectionTimeoutMS: 300 });
        await expect(down.db().command({ ping: 1 })).rejects.toThrow();
        await down.close();
        await mongo.restart();
        const read = new MongoClient(mongo.url);
        expect(await read.db().collection('items').countDocuments()).toBe(1);
        await read.close();
      } finally {
        await mongo.stop();
      }
    },
  );

  it('puts the database name in a MONGO_URL, keeping its options', () => {
    expect(withDatabase('mongodb://h:1', 'db')).toBe('mongodb://h:1/db');
    expect(withDatabase('mongodb://u:p@h:1/old?authSource=admin', 'db')).toBe(
      'mongodb://u:p@h:1/db?authSource=admin',
    );
    expect(withDatabase('mongodb+srv://c.example.net/?retryWrites=true', 'db')).toBe(
      'mongodb+srv://c.example.net/db?retryWrites=true',
    );
  });
});
