package schem

import "image/color"

// block is one full, solid Minecraft block and the average colour of its
// texture (sRGB, rounded, as map-art tools list them; approximate: the
// block looks textured, not flat).
type block struct {
	id string
	c  color.NRGBA
}

func rgb(r, g, b uint8) color.NRGBA { return color.NRGBA{R: r, G: g, B: b, A: 255} }

// opaqueBlocks are the blocks opaque voxels map to: concrete, wool,
// terracotta, planks, stone and ores' blocks. None falls, flows, glows,
// powers redstone or changes with time.
var opaqueBlocks = []block{
	{"white_concrete", rgb(207, 213, 214)},
	{"orange_concrete", rgb(224, 97, 1)},
	{"magenta_concrete", rgb(169, 48, 159)},
	{"light_blue_concrete", rgb(36, 137, 199)},
	{"yellow_concrete", rgb(241, 175, 21)},
	{"lime_concrete", rgb(94, 169, 24)},
	{"pink_concrete", rgb(214, 101, 143)},
	{"gray_concrete", rgb(55, 58, 62)},
	{"light_gray_concrete", rgb(125, 125, 115)},
	{"cyan_concrete", rgb(21, 119, 136)},
	{"purple_concrete", rgb(100, 32, 156)},
	{"blue_concrete", rgb(45, 47, 143)},
	{"brown_concrete", rgb(96, 60, 32)},
	{"green_concrete", rgb(73, 91, 36)},
	{"red_concrete", rgb(142, 33, 33)},
	{"black_concrete", rgb(8, 10, 15)},

	{"white_wool", rgb(234, 236, 237)},
	{"orange_wool", rgb(241, 118, 20)},
	{"magenta_wool", rgb(190, 69, 180)},
	{"light_blue_wool", rgb(58, 175, 217)},
	{"yellow_wool", rgb(249, 198, 40)},
	{"lime_wool", rgb(112, 185, 26)},
	{"pink_wool", rgb(238, 141, 172)},
	{"gray_wool", rgb(63, 68, 72)},
	{"light_gray_wool", rgb(142, 142, 135)},
	{"cyan_wool", rgb(21, 138, 145)},
	{"purple_wool", rgb(122, 42, 173)},
	{"blue_wool", rgb(53, 57, 157)},
	{"brown_wool", rgb(114, 72, 41)},
	{"green_wool", rgb(85, 110, 28)},
	{"red_wool", rgb(161, 39, 35)},
	{"black_wool", rgb(21, 21, 26)},

	{"terracotta", rgb(152, 94, 68)},
	{"white_terracotta", rgb(210, 178, 161)},
	{"orange_terracotta", rgb(162, 84, 38)},
	{"magenta_terracotta", rgb(150, 88, 109)},
	{"light_blue_terracotta", rgb(113, 109, 138)},
	{"yellow_terracotta", rgb(186, 133, 35)},
	{"lime_terracotta", rgb(104, 118, 53)},
	{"pink_terracotta", rgb(162, 78, 79)},
	{"gray_terracotta", rgb(58, 42, 36)},
	{"light_gray_terracotta", rgb(135, 107, 98)},
	{"cyan_terracotta", rgb(87, 91, 91)},
	{"purple_terracotta", rgb(118, 70, 86)},
	{"blue_terracotta", rgb(74, 60, 91)},
	{"brown_terracotta", rgb(77, 51, 36)},
	{"green_terracotta", rgb(76, 83, 42)},
	{"red_terracotta", rgb(143, 61, 47)},
	{"black_terracotta", rgb(37, 23, 17)},

	{"oak_planks", rgb(162, 131, 79)},
	{"spruce_planks", rgb(115, 85, 49)},
	{"birch_planks", rgb(192, 175, 121)},
	{"jungle_planks", rgb(160, 115, 81)},
	{"acacia_planks", rgb(168, 90, 50)},
	{"dark_oak_planks", rgb(67, 43, 20)},
	{"crimson_planks", rgb(101, 49, 71)},
	{"warped_planks", rgb(43, 105, 99)},

	{"stone", rgb(126, 126, 126)},
	{"smooth_stone", rgb(159, 159, 159)},
	{"cobblestone", rgb(128, 127, 128)},
	{"stone_bricks", rgb(122, 122, 122)},
	{"andesite", rgb(136, 136, 137)},
	{"diorite", rgb(189, 188, 189)},
	{"granite", rgb(149, 103, 86)},
	{"bricks", rgb(151, 98, 83)},
	{"sandstone", rgb(216, 203, 155)},
	{"red_sandstone", rgb(186, 99, 29)},
	{"quartz_block", rgb(236, 230, 223)},
	{"obsidian", rgb(15, 11, 25)},
	{"end_stone", rgb(219, 222, 158)},
	{"prismarine", rgb(99, 156, 151)},
	{"dark_prismarine", rgb(51, 91, 75)},
	{"purpur_block", rgb(169, 125, 169)},
	{"nether_bricks", rgb(44, 21, 26)},
	{"red_nether_bricks", rgb(69, 7, 9)},
	{"snow_block", rgb(249, 254, 254)},
	{"clay", rgb(160, 166, 179)},
	{"gold_block", rgb(246, 208, 61)},
	{"iron_block", rgb(220, 220, 220)},
	{"diamond_block", rgb(98, 237, 228)},
	{"emerald_block", rgb(42, 203, 87)},
	{"lapis_block", rgb(30, 67, 140)},
	{"coal_block", rgb(16, 15, 15)},
}

// glassBlocks are the blocks translucent voxels (alpha below 255) map to.
var glassBlocks = []block{
	{"glass", rgb(176, 214, 219)},
	{"white_stained_glass", rgb(255, 255, 255)},
	{"orange_stained_glass", rgb(216, 127, 51)},
	{"magenta_stained_glass", rgb(178, 76, 216)},
	{"light_blue_stained_glass", rgb(102, 153, 216)},
	{"yellow_stained_glass", rgb(229, 229, 51)},
	{"lime_stained_glass", rgb(127, 204, 25)},
	{"pink_stained_glass", rgb(242, 127, 165)},
	{"gray_stained_glass", rgb(76, 76, 76)},
	{"light_gray_stained_glass", rgb(153, 153, 153)},
	{"cyan_stained_glass", rgb(76, 127, 153)},
	{"purple_stained_glass", rgb(127, 63, 178)},
	{"blue_stained_glass", rgb(51, 76, 178)},
	{"brown_stained_glass", rgb(102, 76, 51)},
	{"green_stained_glass", rgb(102, 127, 51)},
	{"red_stained_glass", rgb(153, 51, 51)},
	{"black_stained_glass", rgb(25, 25, 25)},
}
