import { isValidCreditCode } from './pii/index.js';

/**
 * AI-generated content labels (《人工智能生成合成内容标识办法》, GB 45438-2025). Text answers have no
 * file metadata, so the implicit label travels in the response: an `aigc` object with the seven
 * fields of GB 45438 Annex E in every JSON answer and in the first and last events of a stream.
 */
export interface AigcLabel {
  /** "1": AI-generated (a string: the standard's readers reject the number). */
  Label: '1';
  ContentProducer: string;
  ProduceID: string;
  ReservedCode1: string;
  ContentPropagator: string;
  PropagateID: string;
  ReservedCode2: string;
}

export interface ProducerCode {
  version: string;
  /** 1: an organisation. */
  subjectType: string;
  /** 1: bound by a unified social credit code. */
  bindingType: string;
  creditCode: string;
  /** 1: a generation service. */
  serviceType: string;
  serviceCode: string;
}

/**
 * A 27-character service-provider code (服务提供者编码规则): version `00`, subject type, binding
 * type, the 18-character unified social credit code (checked with GB 32100's check character),
 * service type and a 4-character service code, e.g. `001191440300708461136T1XGW3`.
 */
export function parseProducerCode(code: string): ProducerCode {
  if (!/^[0-9A-Z]{27}$/.test(code))
    throw new Error('an AIGC producer code is 27 characters: digits and capital letters');
  const parsed = {
    version: code.slice(0, 2),
    subjectType: code[2]!,
    bindingType: code[3]!,
    creditCode: code.slice(4, 22),
    serviceType: code[22]!,
    serviceCode: code.slice(23),
  };
  if (parsed.version !== '00') throw new Error(`unknown code format version ${parsed.version}`);
  if (!isValidCreditCode(parsed.creditCode))
    throw new Error(
      `characters 5–22 (${parsed.creditCode}) are not a valid unified social credit code`,
    );
  return parsed;
}

/** An explicit label must name AI (人工智能 or AI) and generation (生成 or 合成). */
export function checkExplicitLabel(text: string): void {
  if (!/人工智能|AI/i.test(text) || !/生成|合成/.test(text))
    throw new Error('an explicit AIGC label must contain 人工智能 or AI, and 生成 or 合成');
}

/**
 * Makes the implicit labels of one deployment. The hub is the first writer, so the propagator
 * fields equal the producer's; both reserved codes are an HMAC-SM3 of the produce id and the
 * answer's SM3 digest under a key derived from the master key, so the hub can later show that a
 * text with this label is what it produced. The produce id is the call's request id, which the
 * ledger entry of the call carries.
 */
export class AigcLabeler {
  constructor(
    private readonly producer: string,
    private readonly tag: (data: string) => string,
  ) {}

  /**
   * `answerSm3`: the SM3 digest of the answer as the client receives it, or null while it is
   * still streaming (the first event's reserved codes are then empty; the last event's cover the
   * whole answer).
   */
  label(produceId: string, answerSm3: string | null): AigcLabel {
    const code = answerSm3 === null ? '' : this.tag(`${produceId}\n${answerSm3}`);
    return {
      Label: '1',
      ContentProducer: this.producer,
      ProduceID: produceId,
      ReservedCode1: code,
      ContentPropagator: this.producer,
      PropagateID: produceId,
      ReservedCode2: code,
    };
  }
}
