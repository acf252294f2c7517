import { cellularConfig } from '@cellular/eslint-config';

export default cellularConfig({ tsconfigRootDir: import.meta.dirname });
