export * from './bundled-function.js';
export * from './discord-endpoint.js';
export * from './game-network.js';
export * from './game-server.js';
export * from './server-schedule.js';
export * from './world-backup.js';
export * from './world-storage.js';
