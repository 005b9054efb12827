export * from './client';
export * from './errors';
export * from './informer';
export * from './transport';
