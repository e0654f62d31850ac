import { UsageError } from '../../errors.js';
import type { BaseImage } from '../../image/build.js';
import type { OciPlatform } from '../../image/platform.js';
import type { ImageContext } from './context.js';

/** The base image for one platform, pulled from its registry. */
export async function pullBase(_ctx: ImageContext, ref: string, _platform: OciPlatform): Promise<BaseImage> {
  throw new UsageError(`--base ${ref}: base images are not supported yet: use the scratch base`);
}
