/** Plain-words theory beside the compare view: why the training ratio and patch size matter. */
export function ZooTheory() {
  return (
    <div className="zoo-theory" data-testid="zoo-theory">
      <h3>Why train at different ratios and patch sizes?</h3>
      <p>
        Think of a photo as made by layers of hidden causes: high-level ones (“a cat, sitting, lit from the left”) that shape the whole
        picture, and low-level ones (fur texture, a local edge, a colour) that shape small parts of it. An MAE can only learn what helps it
        paint a hidden patch from the visible ones, so it learns the causes the <strong>visible and hidden parts share</strong> (Kong et
        al., CVPR 2023).
      </p>
      <p>
        <strong>Hide too little</strong> (e.g. 25%) and every hidden patch has visible neighbours: copying and smoothing them is enough, so
        the model gets away with local, low-level features. <strong>Hide too much</strong> (e.g. 90%) and visible and hidden parts share
        almost nothing beyond coarse colour and layout, so again what it learns is low-level. In between, the shared causes are the
        high-level ones. Kong et al. prove that both extremes lead to low-level representations, which is consistent with what the MAE paper
        (He et al., CVPR 2022) had found by experiment: 75% works well on ImageNet, with linear probing rising with the ratio up to about
        there.
      </p>
      <p>
        The <strong>patch size</strong> moves the same dial from the other side: the patch is the smallest thing that is hidden or shown, so
        it decides which details can be shared across the cut, and with it the level of what is learned.
      </p>
      <p>
        Reconstruction error does not measure that level (a model that only blurs can score well), so each zoo model also has a{' '}
        <strong>linear probe</strong>: a linear classifier trained on its frozen features to tell cats from dogs, scored on photos the model
        and the classifier never saw. The <strong>feature map</strong> colours every patch by the encoder’s three main feature directions:
        maps that follow objects and their parts suggest high-level features; maps that follow colour and brightness suggest low-level ones.
        Our zoo models are tiny and trained for minutes, so read their differences as a demonstration, not as evidence; the README’s table
        says where they agree with the papers and where not.
      </p>
    </div>
  );
}
