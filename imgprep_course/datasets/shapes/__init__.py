"""A small synthetic "shapes" dataset, written in COCO, PASCAL VOC and ImageNet layouts.

Nothing is downloaded: :func:`make_shapes` draws scenes of coloured shapes on a pale
background and writes the same images in all three formats::

    OUT/coco/images/000000000001.jpg ...      JPEG, quality 90
    OUT/coco/instances.json                   images, categories, annotations
    OUT/coco/captions.json                    five captions per image
    OUT/voc/JPEGImages/000000000001.jpg ...   the same JPEG bytes
    OUT/voc/Annotations/000000000001.xml ...
    OUT/voc/SegmentationClass/*.png, SegmentationObject/*.png   VOC palette PNGs
    OUT/voc/ImageSets/Main/trainval.txt, ImageSets/Segmentation/trainval.txt
    OUT/imagenet/train/<wnid>/<wnid>_<k>.JPEG  object crops, one folder per class
    OUT/imagenet/LOC_synset_mapping.txt

How the scenes are made, and the choices behind the annotations:

- **Categories.** Eight shapes under three supercategories (:data:`CATEGORIES`), drawn
  with a long-tailed frequency (circles about 10 times as common as crosses), so
  class imbalance shows in every statistic.
- **Objects** are polygons (circles and ellipses as 24-gons), placed back to front;
  later objects hide earlier ones. Sizes are log-uniform, so small (area < 32²),
  medium and large (area ≥ 96²) objects all occur; objects may reach over the border.
- **Visible part.** COCO annotates what is visible. An object's ``segmentation`` is
  the polygon of its visible part: its outline cut to the image, minus the outlines of
  the objects in front of it. When something does hide it, that part is written as
  several convex polygons (the object's convex pieces clipped against each occluder),
  whose union is the visible region; an unhidden object keeps its outline as one
  polygon. The object's mask *is* pycocotools' rasterisation of that segmentation
  (``annToMask``), and the image paints every object over exactly that mask, back to
  front. Masks of neighbours may share a boundary pixel, as in the real COCO.
- **Boxes and areas.** ``bbox`` is the tight box around the annotation's mask
  (pycocotools' ``toBbox``), so VOC's integer boxes convert to it exactly; ``area`` is
  the mask's pixel count. (The real COCO's boxes are the polygons' extent, with
  fractional coordinates, so there a box and its mask can disagree by a pixel.)
- **Crowds.** Some images hold a cluster of tiny shapes of one category, annotated in
  COCO as one region with ``iscrowd=1`` and an uncompressed RLE of its visible pixels
  (as COCO stores crowds). VOC lists each member as its own ``difficult`` object.
- **VOC flags.** ``difficult`` for crowd members and for objects with fewer than 100
  visible pixels or less than 30% of their in-image area visible; ``occluded`` when
  less than 95% is visible; ``truncated`` when the image border cuts off more than
  0.5% of the outline's area. VOC's objects are the COCO non-crowd annotations in the
  same order, then the crowd members.
- **VOC segmentation PNGs.** Class indices are the COCO category ids (0 background);
  object indices are positions in the XML (1 first). 255 (void) marks a two-pixel band
  along every edge between different objects or an object and the background, and
  every difficult object, as the VOC masks do.
- **ImageNet.** Crops around objects that are whole, barely hidden (at least 90%
  visible) and at least 24² pixels, saved per class. Folder names are WordNet-style
  ids that are fake on purpose: ``n9000000k`` lies beyond every real WordNet 3.0 noun
  offset, so nobody mistakes them for real synsets.
- **Captions** come from templates filled with the scene: counts, colours, sizes,
  positions, who hides whom, the background.

Everything follows from ``seed``: the same seed gives byte-identical files (JSON, XML,
PNG and JPEG) on one installation. Across machines the JPEG encoder may differ, and
in rare cases so may the last bit of a sine, which can move a vertex rounded to two
decimals.

==============================================  =======================================
module                                          what it holds
==============================================  =======================================
:mod:`~imgprep_course.datasets.shapes.polygons`  clipping, differences, unions, outlines
:mod:`~imgprep_course.datasets.shapes.scene`     categories, colours, :func:`sample_scene`
:mod:`~imgprep_course.datasets.shapes.render`    :func:`render_scene`: image, COCO, VOC
:mod:`~imgprep_course.datasets.shapes.captions`  the five captions of a scene
:mod:`~imgprep_course.datasets.shapes.write`     :func:`make_shapes`: files, atomically
==============================================  =======================================
"""

from imgprep_course.datasets.shapes.render import RenderedScene, render_scene
from imgprep_course.datasets.shapes.scene import (BACKGROUNDS, CATEGORIES, COLOURS, Category,
                                                  Scene, Shape, sample_scene)
from imgprep_course.datasets.shapes.write import make_shapes

__all__ = ["CATEGORIES", "COLOURS", "BACKGROUNDS", "Category", "Shape", "Scene",
           "RenderedScene", "sample_scene", "render_scene", "make_shapes"]
