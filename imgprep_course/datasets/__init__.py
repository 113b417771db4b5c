"""Dataset formats: ImageNet folders, COCO JSON, PASCAL VOC XML, RLE masks, synthetic shapes."""
