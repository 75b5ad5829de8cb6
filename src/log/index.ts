export { type CreateLoggerOptions, createLogger, type Logger } from './createLogger.ts'
export { createSilentLogger } from './createSilentLogger.ts'
export { hexBigints, LOG_CENSOR, REDACT_PATHS, SECRET_FIELDS } from './redaction.ts'
