import { css } from 'lit';

/**
 * The card picture of the insert-card and remove-card screens: its size, and its arrow that moves
 * by `--ka-arrow-travel` and back (down into the reader: put the card in; up: take it out), still
 * when the user asks for reduced motion.
 */
export const cardArtStyles = css`
  svg.art {
    width: min(520px, 70%);
    height: auto;
    margin-bottom: var(--ka-space-4);
  }
  @media (orientation: landscape) {
    svg.art {
      width: 360px;
    }
  }
  .arrow {
    animation: travel 1.6s ease-in-out infinite;
  }
  @keyframes travel {
    50% {
      transform: translateY(var(--ka-arrow-travel));
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .arrow {
      animation: none;
    }
  }
`;
