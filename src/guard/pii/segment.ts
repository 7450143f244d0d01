/**
 * jieba segmentation with parts of speech, used only on short windows next to a name or
 * address cue. Loading the dictionary takes about 0.2 s, so one instance is made on first use
 * and shared: it is immutable after loading.
 */
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

export interface TaggedWord {
  word: string;
  tag: string;
}

export type Tagger = (text: string) => TaggedWord[];

let jieba: Jieba | undefined;

/** Segments with HMM on, which joins words missing from the dictionary (most personal names). */
export function tag(text: string): TaggedWord[] {
  jieba ??= Jieba.withDict(dict);
  return jieba.tag(text, true);
}
